/**
 * The job queue's dead-letter queue, redriven with SQS's move task against the SQS stand-in: what may
 * be resent goes back to the job queue; uncertain and permanent jobs stay unless asked.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { parseCommand } from '../../cli/redrive';
import { redriveDeadLetters } from '../../cli/redrive/move-task';
import { SqsServer } from './stand-ins/sqs-server';

const CREDENTIALS = { accessKeyId: 'AKIDTESTONLY', secretAccessKey: 'test-only' };
let sqs: SqsServer;
let client: SQSClient;

function deadLetter(id: string, errorCode: string, flags: { permanent?: boolean; uncertain?: boolean } = {}) {
  sqs.messages.push({
    messageId: id, body: JSON.stringify({ endpointId: id, idempotencyKey: `campaign/${id}` }), invisibleUntil: 0, receiveCount: 0, queue: 'jobs-dlq',
    attributes: {
      errorCode: { DataType: 'String', StringValue: errorCode },
      permanent: { DataType: 'String', StringValue: String(flags.permanent ?? false) },
      uncertain: { DataType: 'String', StringValue: String(flags.uncertain ?? false) },
    },
  });
}

const options = (extra = {}) => ({ deadLetterQueueUrl: sqs.urlOf('jobs-dlq'), jobQueueUrl: sqs.urlOf('jobs'), dryRun: false, includePermanent: false, includeUncertain: false, ...extra });
const ids = (queue: string) => sqs.messagesOf(queue).map((m) => m.messageId).sort();

beforeAll(async () => {
  sqs = await SqsServer.start();
  client = new SQSClient({ endpoint: sqs.endpoint, region: 'eu-west-1', credentials: CREDENTIALS });
});

afterAll(async () => {
  client.destroy();
  await sqs.stop();
});

beforeEach(() => {
  sqs.messages.length = 0;
  deadLetter('exhausted-1', 'http_503');
  deadLetter('exhausted-2', 'http_503');
  deadLetter('config', '190');
  deadLetter('maybe-sent', 'timeout', { uncertain: true });
  deadLetter('undeliverable', '131026', { permanent: true });
});

describe('redrive of the job dead-letter queue', () => {
  test('--dry-run counts by error code and moves nothing, leaving every job visible', async () => {
    const lines: string[] = [];
    const summary = await redriveDeadLetters(options({ dryRun: true }), client, (l) => lines.push(l));
    expect(summary.byErrorCode).toEqual({ http_503: 2, 190: 1, timeout: 1, 131026: 1 });
    expect(lines).toEqual(['dead-letter queue: 5 job(s): http_503 2, 131026 1, 190 1, timeout 1']);
    expect(sqs.moveTasks).toHaveLength(0);
    expect(sqs.messagesOf('jobs-dlq').every((m) => m.invisibleUntil <= Date.now())).toBe(true);
  });

  test('moves what may be resent back to the job queue with the move task; uncertain and permanent jobs stay, visible again', async () => {
    const summary = await redriveDeadLetters(options(), client, () => undefined);
    expect(summary).toMatchObject({ moved: 3, heldBack: 2 });
    expect(sqs.moveTasks).toEqual([expect.objectContaining({ SourceArn: 'arn:aws:sqs:eu-west-1:111122223333:jobs-dlq', DestinationArn: 'arn:aws:sqs:eu-west-1:111122223333:jobs' })]);
    expect(ids('jobs')).toEqual(['config', 'exhausted-1', 'exhausted-2']);
    expect(ids('jobs-dlq')).toEqual(['maybe-sent', 'undeliverable']);
    expect(sqs.messagesOf('jobs-dlq').every((m) => m.invisibleUntil <= Date.now())).toBe(true);
  });

  test('--include-permanent moves those too; --include-uncertain resends uncertain ones under a key of their own, once', async () => {
    await redriveDeadLetters(options({ includeUncertain: true, includePermanent: true }), client, () => undefined);
    expect(ids('jobs-dlq')).toEqual([]);
    const keys = sqs.bodies<{ endpointId: string; idempotencyKey: string }>('jobs').map((b) => [b.endpointId, b.idempotencyKey]).sort();
    expect(keys).toEqual([
      ['config', 'campaign/config'], ['exhausted-1', 'campaign/exhausted-1'], ['exhausted-2', 'campaign/exhausted-2'],
      ['maybe-sent', 'campaign/maybe-sent#resend'], ['undeliverable', 'campaign/undeliverable'],
    ]);
  });

  test('the command line chooses this redrive with --dead-letter-queue-url, and needs the job queue too', () => {
    expect(parseCommand(['--dead-letter-queue-url', 'https://sqs/dlq', '--job-queue-url', 'https://sqs/jobs', '--dry-run'], {}))
      .toMatchObject({ kind: 'dead-letters', dryRun: true, includeUncertain: false });
    expect(() => parseCommand(['--dead-letter-queue-url', 'https://sqs/dlq'], {})).toThrow('--job-queue-url is required: the JobQueueUrl output of the delivery stack');
  });
});
