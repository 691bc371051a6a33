/**
 * The job-queue worker exactly as `cdk synth` bundles it, in a separate Node process, fed the way
 * SQS's event source mapping feeds it: records received from a queue stand-in, with real receipt
 * handles, against the Graph API, Secrets Manager and DynamoDB stand-ins.
 */
import { DELIVERY_JOB_VERSION, type DeliveryJobMessage, parseDeliveryJob } from '../../lambda/contract';
import { phoneNumber, pinpointEvent } from '../support/events';
import { DynamoDbServer } from './stand-ins/dynamodb-server';
import { runBundledFunction, synthesizedBundleDir } from './stand-ins/bundled-function';
import { graphError, GraphApiServer } from './stand-ins/graph-api-server';
import { SecretsManagerServer } from './stand-ins/secrets-manager-server';
import { SqsServer } from './stand-ins/sqs-server';

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:whatsapp/token-AbC123';
const TOKEN = 'test-token-worker-bundle-0123';

let graph: GraphApiServer;
let secrets: SecretsManagerServer;
let sqs: SqsServer;
let table: DynamoDbServer;
let bundleDir: string;
let env: Record<string, string>;

const job = (n: number, overrides: Partial<DeliveryJobMessage> = {}): DeliveryJobMessage => ({
  version: DELIVERY_JOB_VERSION, channel: 'whatsapp', campaign: { campaignId: 'worker-bundle' }, endpointId: `e${n}`, recipient: `1555020${String(n).padStart(4, '0')}`,
  message: { type: 'template', template: { name: 'hello_world', language: { code: 'en_US' } } }, idempotencyKey: `worker-bundle/e${n}`,
  enqueuedAt: new Date().toISOString(), ...overrides,
});

/** Puts the bodies on the job queue, receives them as the event source mapping would, and builds its event. */
async function sqsEvent(bodies: string[]) {
  sqs.messages.push(...bodies.map((body, i) => ({ messageId: `m${i}-${Date.now()}`, body, attributes: {}, invisibleUntil: 0, receiveCount: 0, queue: 'jobs' })));
  return receive();
}

/** What the event source mapping would hand the worker now: up to 10 visible jobs. */
async function receive() {
  const { SQSClient, ReceiveMessageCommand } = await import('@aws-sdk/client-sqs');
  const client = new SQSClient({ endpoint: sqs.endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'AKIDTESTONLY', secretAccessKey: 'test-only' } });
  try {
    const { Messages = [] } = await client.send(new ReceiveMessageCommand({ QueueUrl: sqs.urlOf('jobs'), MaxNumberOfMessages: 10, VisibilityTimeout: 180 }));
    return {
      Records: Messages.map((m) => ({
        messageId: m.MessageId, receiptHandle: m.ReceiptHandle, body: m.Body, attributes: { ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? '1' },
        eventSource: 'aws:sqs', eventSourceARN: 'arn:aws:sqs:eu-west-1:111122223333:jobs',
      })),
    };
  } finally {
    client.destroy();
  }
}

beforeAll(async () => {
  bundleDir = synthesizedBundleDir('worker');
  graph = await GraphApiServer.start({ validToken: TOKEN });
  secrets = await SecretsManagerServer.start({ [SECRET_ARN]: JSON.stringify({ accessToken: TOKEN }) });
  sqs = await SqsServer.start();
  table = await DynamoDbServer.start();
  env = {
    TOKEN_SECRET_ARN: SECRET_ARN, WHATSAPP_PHONE_NUMBER_ID: '109876543210987', GRAPH_API_BASE_URL: graph.baseUrl,
    JOB_QUEUE_URL: sqs.urlOf('jobs'), DEAD_LETTER_QUEUE_URL: sqs.urlOf('jobs-dlq'), AWS_ENDPOINT_URL_SQS: sqs.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url, IDEMPOTENCY_TABLE_NAME: 'idempotency', AWS_ENDPOINT_URL_DYNAMODB: table.endpoint,
    MESSAGES_PER_SECOND: '80', WORKER_CONCURRENCY: '2',
  };
}, 60_000);

afterAll(async () => {
  await Promise.all([graph?.stop(), secrets?.stop(), sqs?.stop(), table?.stop()]);
});

describe('the bundled worker', () => {
  test('delivers good jobs, delays a throttled one, dead-letters a malformed and a permanent one, and answers with the partial batch response', async () => {
    // GIVEN jobs on the queue: two good, one throttled, one undeliverable, one malformed
    graph.script(job(3).recipient, graphError(429, 130429));
    graph.script(job(4).recipient, graphError(400, 131026));
    const event = await sqsEvent([job(1), job(2), job(3), job(4)].map((j) => JSON.stringify(j)).concat('{"version":1}'));
    // WHEN the worker's bundle handles the batch
    const run = await runBundledFunction(bundleDir, event, env, 30_000);
    // THEN the throttled job alone comes back, later; the others are done
    expect(run.error).toBeUndefined();
    const throttled = event.Records[2];
    expect(run.response).toEqual({ batchItemFailures: [{ itemIdentifier: throttled.messageId }] });
    expect([...graph.accepted.keys()].sort()).toEqual([job(1).recipient, job(2).recipient]);
    // (put back with a delay: one visibility change for it, of at least a second; when it comes back depends on the clock)
    expect(sqs.visibilityChanges.filter((c) => c.receiptHandle === throttled.receiptHandle)).toEqual([{ receiptHandle: throttled.receiptHandle, seconds: expect.any(Number) }]);
    expect(sqs.visibilityChanges.find((c) => c.receiptHandle === throttled.receiptHandle)!.seconds).toBeGreaterThanOrEqual(1);
    // and the dead-letter queue holds the undeliverable and the malformed job, with why
    expect(sqs.messagesOf('jobs-dlq').map((m) => m.attributes.errorCode.StringValue).sort()).toEqual(['131026', 'malformed_job']);
    // and one EMF line carries the worker's counts
    const emf = run.output.split('\n').filter((line) => line.includes('"DeadLettered"')).map((line) => JSON.parse(line));
    expect(emf).toEqual([expect.objectContaining({ Delivered: 2, Failed: 1, Retried: 1, Throttled: 1, DeadLettered: 2, MalformedJobs: 1, Requests: 4 })]);
  }, 60_000);

  test('queued mode end to end: the Pinpoint function enqueues every endpoint and answers queued; the worker delivers them', async () => {
    // GIVEN the Pinpoint function's bundle in queued mode, and an empty job queue
    graph.reset();
    sqs.messages.splice(0, sqs.messages.length, ...sqs.messages.filter((m) => m.queue !== 'jobs'));
    const pinpointBundle = synthesizedBundleDir('pinpoint');
    const event = { ...pinpointEvent(3), CampaignId: 'queued-end-to-end' };
    // WHEN Pinpoint invokes it
    const invoked = await runBundledFunction(pinpointBundle, event, {
      ...env, DELIVERY_MODE: 'queued',
    });
    // THEN nothing was sent, every endpoint is answered queued, and one valid job per endpoint waits
    expect(graph.requests).toHaveLength(0);
    expect(Object.values(invoked.response!).map((r) => r.EventAttributes.status)).toEqual(['queued', 'queued', 'queued']);
    const queuedJobs = sqs.messagesOf('jobs').filter((m) => m.body.includes('queued-end-to-end'));
    expect(queuedJobs.map((m) => parseDeliveryJob(m.body).ok)).toEqual([true, true, true]);
    // WHEN the worker receives them
    const received = await receive();
    const run = await runBundledFunction(bundleDir, received, env, 30_000);
    // THEN each recipient got exactly one message
    expect(run.response).toEqual({ batchItemFailures: [] });
    expect([...graph.accepted.entries()].map(([recipient, ids]) => [recipient, ids.length]).sort()).toEqual(
      [0, 1, 2].map((i) => [phoneNumber(i), 1]).sort(),
    );
  }, 90_000);

  test('the same jobs received again are not sent again', async () => {
    graph.reset();
    const event = await sqsEvent([JSON.stringify(job(1)), JSON.stringify(job(2))]);
    const run = await runBundledFunction(bundleDir, event, env, 30_000);
    expect(run.response).toEqual({ batchItemFailures: [] });
    expect(graph.requests).toHaveLength(0);
  }, 60_000);
});
