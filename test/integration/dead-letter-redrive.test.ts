/**
 * The job queue's dead-letter queue, redriven with SQS's move task against the SQS stand-in: what may
 * be resent goes back to the job queue; uncertain and permanent jobs stay unless asked. Deliveries
 * parked by earlier versions (the dead-letter queue was their parking queue) move the same way.
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { SQSClient } from '@aws-sdk/client-sqs';
import { parseDeliveryJob } from '../../lambda/contract';
import { readJob } from '../../lambda/triggers/sqs/legacy';
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

/** A delivery as the parking queue of earlier versions kept it. */
const PARKED = {
  version: 1, channel: 'whatsapp', ids: { applicationId: 'app-1', campaignId: 'campaign-1', treatmentId: '0', activityId: 'activity-1' },
  endpointId: 'endpoint-7', channelType: 'CUSTOM', recipient: '15550000007', message: { type: 'text', text: { body: 'Hello' } },
  permanent: false, uncertain: true, lastError: { code: 'timeout', reason: 'no answer within 5000 ms' }, attempts: 1, parkedAt: '2026-10-20T10:00:00.000Z',
};

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

  test('a delivery parked by an earlier version is counted, held by its flags like any job, and resent as a job of today\'s format', async () => {
    // GIVEN an uncertain delivery parked before the update, in the queue that became the dead-letter queue
    sqs.messages.length = 0;
    sqs.messages.push({
      messageId: 'parked-before-update', body: JSON.stringify(PARKED), invisibleUntil: 0, receiveCount: 0, queue: 'jobs-dlq',
      attributes: {
        errorCode: { DataType: 'String', StringValue: 'timeout' }, permanent: { DataType: 'String', StringValue: 'false' },
        uncertain: { DataType: 'String', StringValue: 'true' },
      },
    });
    // WHEN the redrive runs without, then with --include-uncertain
    const held = await redriveDeadLetters(options(), client, () => undefined);
    expect(held).toMatchObject({ byErrorCode: { timeout: 1 }, heldBack: 1, moved: 0 });
    await redriveDeadLetters(options({ includeUncertain: true }), client, () => undefined);
    // THEN it went back as a valid job, with the key the function used then, marked for one resend
    expect(ids('jobs-dlq')).toEqual([]);
    const [body] = sqs.messagesOf('jobs').map((m) => m.body);
    const parsed = parseDeliveryJob(body);
    expect(parsed).toMatchObject({ ok: true, job: {
      channel: 'whatsapp', endpointId: 'endpoint-7', recipient: '15550000007', campaign: PARKED.ids, enqueuedAt: PARKED.parkedAt, attempts: 1,
      idempotencyKey: 'app-1/campaign/campaign-1/0/activity-1/endpoint-7#resend', lastError: PARKED.lastError,
    } });
  });

  test('the worker reads a parked delivery the move task brought back as the job it stands for', () => {
    expect(readJob(JSON.stringify({ ...PARKED, uncertain: false }))).toMatchObject({ ok: true, job: {
      version: 1, endpointId: 'endpoint-7', idempotencyKey: 'app-1/campaign/campaign-1/0/activity-1/endpoint-7', message: PARKED.message,
    } });
    expect(readJob(JSON.stringify({ version: 1, parkedAt: 'yesterday' }))).toMatchObject({ ok: false });
    expect(readJob('{"version": 1, "channel": "whatsapp"}')).toEqual({ ok: false, problem: 'campaign must be an object of ids' });
  });
});

describe('redrive command line', () => {
  test('needs both queues, each named after the output that gives it', () => {
    expect(parseCommand(['--dead-letter-queue-url', 'https://sqs/dlq', '--job-queue-url', 'https://sqs/jobs', '--dry-run']))
      .toEqual({ deadLetterQueueUrl: 'https://sqs/dlq', jobQueueUrl: 'https://sqs/jobs', dryRun: true, includePermanent: false, includeUncertain: false });
    expect(() => parseCommand(['--dead-letter-queue-url', 'https://sqs/dlq'])).toThrow('--job-queue-url is required: the JobQueueUrl output of the delivery stack');
    expect(() => parseCommand(['--job-queue-url', 'https://sqs/jobs'])).toThrow('--dead-letter-queue-url is required: the JobDeadLetterQueueUrl output of the delivery stack');
  });

  test('the parking queue\'s old flag says where its messages are now, and an unknown flag is refused', () => {
    expect(() => parseCommand(['--queue-url', 'https://sqs/parking'])).toThrow(
      '--queue-url (the parking queue) is gone: the parking queue is now the job dead-letter queue; pass --dead-letter-queue-url <JobDeadLetterQueueUrl> --job-queue-url <JobQueueUrl>');
    expect(() => parseCommand(['--dead-letter-queue-url', 'https://sqs/dlq', '--job-queue-url', 'https://sqs/jobs', '--everything'])).toThrow(/Unknown option/);
  });

  test('npm run redrive works end to end with the standard AWS endpoint variables, and says what it did', async () => {
    // WHEN the command runs against the stand-in
    const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', '..', 'cli', 'redrive.ts'),
        '--dead-letter-queue-url', sqs.urlOf('jobs-dlq'), '--job-queue-url', sqs.urlOf('jobs')], {
        env: {
          PATH: process.env.PATH, AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
          AWS_EC2_METADATA_DISABLED: 'true', AWS_ENDPOINT_URL_SQS: sqs.endpoint, NODE_NO_WARNINGS: '1',
        },
        timeout: 30_000,
      }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
    });
    // THEN it moved the three that may be resent and held the other two
    expect(result).toEqual({
      code: 0, stderr: '',
      stdout: 'dead-letter queue: 5 job(s): http_503 2, 131026 1, 190 1, timeout 1\nmoved 3 job(s) back to the job queue; 2 held back (uncertain or permanent)\n',
    });
    expect(ids('jobs')).toEqual(['config', 'exhausted-1', 'exhausted-2']);
  });
});
