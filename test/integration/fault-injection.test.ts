/**
 * Fault injection: the handler against a Graph API stand-in that throttles, fails, hangs and resets,
 * queues that refuse entries, and a Pinpoint that refuses events. Whatever happens, every endpoint
 * ends exactly once as delivered, failed or retrying; nobody gets a message twice; and once the
 * provider recovers, the worker delivers what was requeued, and the redrive what was dead-lettered.
 */
import * as http from 'node:http';
import { PinpointClient, PutEventsCommand } from '@aws-sdk/client-pinpoint';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { redriveDeadLetters } from '../../cli/redrive/move-task';
import type { DeliveryJobMessage } from '../../lambda/contract';
import type * as HandlerModule from '../../lambda/handler';
import type * as WorkerModule from '../../lambda/worker';
import { DynamoDbServer } from './stand-ins/dynamodb-server';
import { runEventSourceMapping, type WorkerHandler } from './stand-ins/event-source-mapping';
import { phoneNumber, pinpointEvent } from '../support/events';
import { GraphApiServer } from './stand-ins/graph-api-server';
import { SqsServer } from './stand-ins/sqs-server';

type Response = Record<string, { EventAttributes: Record<string, string> }>;
type Handler = (event: unknown, context: Context) => Promise<Response>;

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:whatsapp/token-AbC123';
const TOKEN = 'test-token-fault-injection';
const PHONE_NUMBER_ID = '109876543210987';
const CREDENTIALS = { accessKeyId: 'AKIDTESTONLY', secretAccessKey: 'test-only' };
const BATCH = 50;
const JOBS = 'jobs';
const DEAD_LETTERS = 'dead-letters';

const secrets = mockClient(SecretsManagerClient);
const pinpoint = mockClient(PinpointClient);
let graph: GraphApiServer;
let queue: SqsServer;
let table: DynamoDbServer;
let handler: Handler;
let worker: WorkerHandler;
let campaign = 0;

function lambdaContext(budgetMs = 13_000): Context {
  const deadline = Date.now() + budgetMs;
  return { awsRequestId: 'r', functionName: 'delivery', getRemainingTimeInMillis: () => deadline - Date.now() } as unknown as Context;
}

/** Batches of distinct endpoints (and numbers) for one campaign run. */
function batches(count: number, firstIndex = 0): Record<string, unknown>[] {
  campaign += 1;
  return Array.from({ length: count }, (_, b) => ({ ...pinpointEvent(BATCH, { offset: firstIndex + b * BATCH }), CampaignId: `fault-campaign-${campaign}` }));
}

/** Runs the batches the way Pinpoint does: several invocations at once. */
async function invokeAll(events: Record<string, unknown>[], parallel = 8, budgetMs?: number): Promise<Response> {
  const merged: Response = {};
  for (let i = 0; i < events.length; i += parallel) {
    const responses = await Promise.all(events.slice(i, i + parallel).map((event) => handler(event, lambdaContext(budgetMs))));
    for (const response of responses) {
      for (const [id, result] of Object.entries(response)) {
        expect(merged[id]).toBeUndefined(); // answered once
        merged[id] = result;
      }
    }
  }
  return merged;
}

function endpointIdsOf(events: Record<string, unknown>[]): string[] {
  return events.flatMap((event) => Object.keys(event.Endpoints as object));
}

function byStatus(response: Response): Record<string, string[]> {
  const groups: Record<string, string[]> = {};
  for (const [id, { EventAttributes }] of Object.entries(response)) (groups[EventAttributes.status] ??= []).push(id);
  return groups;
}

/** Recipients the provider accepted more than one message for. */
function duplicates(): string[] {
  return [...graph.accepted.entries()].filter(([, ids]) => ids.length > 1).map(([recipient]) => recipient);
}

const indexOf = (id: string) => Number(id.replace('endpoint-', ''));
const jobsIn = (name: string) => queue.bodies<DeliveryJobMessage>(name);
/** A dead letter's flags, as the redrive reads them. */
const flagged = (name: 'permanent' | 'uncertain') => queue.messagesOf(DEAD_LETTERS)
  .filter((m) => m.attributes[name]?.StringValue === 'true').map((m) => (JSON.parse(m.body) as DeliveryJobMessage).endpointId);

/**
 * A failure neither queue took within the function's settle timeout (an in-process stand-in on a
 * loaded machine can be that slow): reported failed, retryable as it was, never dropped.
 */
function notSaved(response: Response, id: string): boolean {
  const attributes = response[id].EventAttributes;
  return attributes.status === 'failed' && attributes.reason.includes('not saved');
}

/**
 * The core invariant: every endpoint of the batches is answered exactly once, as delivered, failed or
 * retrying; delivered means the provider accepted exactly one message; retrying means a job waits in
 * the job queue; failed means it is in the dead-letter queue (permanent or uncertain) or said not saved.
 */
function expectAccountedFor(events: Record<string, unknown>[], response: Response): Record<string, string[]> {
  const ids = endpointIdsOf(events);
  expect(Object.keys(response).sort()).toEqual([...ids].sort());
  const groups = byStatus(response);
  expect(Object.keys(groups).filter((status) => !['delivered', 'failed', 'retrying'].includes(status))).toEqual([]);
  for (const id of groups.delivered ?? []) expect(graph.accepted.get(phoneNumber(indexOf(id)))).toHaveLength(1);
  const waiting = new Set(jobsIn(JOBS).map((job) => job.endpointId));
  for (const id of groups.retrying ?? []) expect(waiting.has(id)).toBe(true);
  const deadLettered = new Set(jobsIn(DEAD_LETTERS).map((job) => job.endpointId));
  for (const id of groups.failed ?? []) expect(deadLettered.has(id) || notSaved(response, id)).toBe(true);
  // Anything the provider accepted but the function did not see accepted (its answer came after the
  // request timeout: a busy machine can do that) is uncertain: dead-lettered so, never requeued.
  const uncertain = new Set(flagged('uncertain'));
  for (const id of [...(groups.failed ?? []), ...(groups.retrying ?? [])]) {
    if (graph.accepted.has(phoneNumber(indexOf(id)))) {
      expect(response[id].EventAttributes).toMatchObject({ status: 'failed', error_code: 'timeout' });
      expect(uncertain.has(id) || notSaved(response, id)).toBe(true);
    }
  }
  expect(duplicates()).toEqual([]);
  return groups;
}

/** Requests the functions started towards the Graph API stand-in (counted where they leave, at the HTTP agent). */
let graphRequestsStarted = 0;

/**
 * Waits until the stand-in has handled every request the functions sent. Under load a request the
 * function gave up on (timeout) can reach the in-process stand-in seconds later, and be accepted
 * then: an operator reading the delivery webhooks waits for them to catch up, and so does this.
 */
async function providerCaughtUp(): Promise<void> {
  // (the count must see the function's requests, or this would wait for nothing)
  expect(graphRequestsStarted).toBeGreaterThan(0);
  for (const deadline = Date.now() + 20_000; graph.requests.length < graphRequestsStarted && Date.now() < deadline;) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The worker, as the event source mapping runs it, until the job queue is empty. */
function drainJobQueue(): Promise<void> {
  return runEventSourceMapping(queue, [worker, worker], {
    queue: JOBS, deadLetterQueue: DEAD_LETTERS, batchSize: 50, visibilitySeconds: 30, maxReceiveCount: 10, stopAfterMs: 60_000,
  });
}

beforeAll(async () => {
  graph = await GraphApiServer.start({ validToken: TOKEN });
  queue = await SqsServer.start();
  table = await DynamoDbServer.start();
  Object.assign(process.env, {
    AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true', TOKEN_SECRET_ARN: SECRET_ARN, WHATSAPP_PHONE_NUMBER_ID: PHONE_NUMBER_ID,
    // Long enough that only the injected hangs time out, not requests slowed by this busy test process:
    // a timeout is uncertain (the provider may have accepted), and that case is tested on its own.
    GRAPH_API_BASE_URL: graph.baseUrl, REQUEST_TIMEOUT_MS: '2000', AWS_ENDPOINT_URL_SQS: queue.endpoint,
    JOB_QUEUE_URL: queue.urlOf(JOBS), DEAD_LETTER_QUEUE_URL: queue.urlOf(DEAD_LETTERS),
    // The worker's pace is tested elsewhere; here it only has to get through the requeued jobs.
    MESSAGES_PER_SECOND: '1000', WORKER_CONCURRENCY: '2',
    IDEMPOTENCY_TABLE_NAME: 'idempotency', AWS_ENDPOINT_URL_DYNAMODB: table.endpoint, REPORT_TO_PINPOINT: 'true', POWERTOOLS_LOG_LEVEL: 'CRITICAL',
  });
  // Every request leaves through an agent; those for the stand-in's port are the function's to Graph.
  const graphPort = Number(new URL(graph.baseUrl).port);
  const agent = http.Agent.prototype as unknown as { addRequest: (request: unknown, options: { port?: unknown }) => void };
  const addRequest = agent.addRequest;
  jest.spyOn(agent, 'addRequest').mockImplementation(function (this: unknown, request, options) {
    if (Number(options.port) === graphPort) graphRequestsStarted += 1;
    return addRequest.call(this, request, options);
  });
  // The function's logs and metrics are checked elsewhere; here they would only bury the results.
  jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  handler = (require('../../lambda/handler') as typeof HandlerModule).handler as Handler;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  worker = (require('../../lambda/worker') as typeof WorkerModule).handler;
});

afterAll(async () => {
  jest.restoreAllMocks();
  await Promise.all([graph.stop(), queue.stop(), table.stop()]);
});

beforeEach(() => {
  graph.reset();
  graphRequestsStarted = 0;
  graph.injectFaults(undefined);
  queue.messages.length = 0;
  queue.refuseNextBatches = [];
  secrets.reset();
  secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ accessToken: TOKEN }) });
  pinpoint.reset();
  pinpoint.on(PutEventsCommand).resolves({ EventsResponse: { Results: {} } });
});

describe('fault injection', () => {
  test('2,000 endpoints through throttling, 5xx, hangs, resets and permanent errors: all accounted for, none twice; the worker and the redrive deliver the rest', async () => {
    // GIVEN a provider that throttles 30 % of requests and fails, hangs, resets or rejects others
    graph.injectFaults({ throttle: 0.3, serverError: 0.1, hang: 0.02, reset: 0.05, permanent: 0.02, seed: 7 });
    const events = batches(40);

    // WHEN Pinpoint sends 40 batches of 50, 8 at a time
    const response = await invokeAll(events);

    // THEN every endpoint is delivered, failed or retrying, once; delivered ones were accepted once
    const groups = expectAccountedFor(events, response);
    // Not a degenerate run, however fast the machine: every kind of fault was met, and endpoints were
    // delivered on a retry after one (how many depends on speed: a busy machine requeues more).
    expect([...new Set(graph.requests.map((r) => r.answer))].sort()).toEqual(['accept', 'error', 'hang', 'reset']);
    expect(groups.delivered.filter((id) => graph.requestsFor(phoneNumber(indexOf(id))).length > 1).length).toBeGreaterThan(0);
    expect(groups.retrying.length).toBeGreaterThan(0);
    // failed ones are the permanent rejections and the uncertain timeouts, dead-lettered and flagged so
    // (or failures the queues did not take in time, reported as such)
    const permanent = flagged('permanent');
    const uncertain = flagged('uncertain');
    expect(permanent.length).toBeGreaterThan(0);
    expect(uncertain.length).toBeGreaterThan(0);
    for (const id of permanent) expect(response[id].EventAttributes).toMatchObject({ status: 'failed', error_code: '131026', retryable: 'false' });
    for (const id of uncertain) expect(response[id].EventAttributes).toMatchObject({ status: 'failed', error_code: 'timeout' });
    expect(groups.failed.filter((id) => !permanent.includes(id) && !uncertain.includes(id) && !notSaved(response, id))).toEqual([]);

    // WHEN Pinpoint sends five of the batches again
    const again = await invokeAll(events.slice(0, 5));
    // THEN no delivered endpoint is messaged again
    // (or, if the duplicate check's table did not answer in time, it is not sent at all: requeued, unsent)
    for (const id of endpointIdsOf(events.slice(0, 5)).filter((id) => groups.delivered.includes(id))) {
      const attributes = again[id].EventAttributes;
      if (attributes.error_code === 'idempotency_unavailable') expect(attributes).toMatchObject({ status: 'retrying', attempts: '0' });
      else expect(attributes).toMatchObject({ status: 'delivered', reason: 'already_delivered' });
    }
    expect(duplicates()).toEqual([]);

    // AND a copy of a delivered endpoint's job lies in the job queue (as a producer may send one twice)
    const deliveredId = groups.delivered[0];
    const template = jobsIn(JOBS)[0];
    queue.messages.push({
      messageId: 'copy-of-delivered', invisibleUntil: 0, receiveCount: 0, attributes: {}, queue: JOBS,
      body: JSON.stringify({ ...template, endpointId: deliveredId, recipient: phoneNumber(indexOf(deliveredId)), idempotencyKey: template.idempotencyKey.replace(/[^/]+$/, deliveredId) }),
    });
    const requestsOfDelivered = graph.requestsFor(phoneNumber(indexOf(deliveredId))).length;

    // WHEN the provider recovers and the worker drains the job queue
    graph.injectFaults(undefined);
    const hangsBefore = graph.requests.filter((r) => r.answer === 'hang').length;
    await drainJobQueue();
    // THEN every requeued endpoint was delivered once, or dead-lettered (one a repeated batch left uncertain)
    expect(queue.messagesOf(JOBS)).toEqual([]);
    const deadLettered = () => new Set(jobsIn(DEAD_LETTERS).map((job) => job.endpointId));
    for (const id of groups.retrying) expect(graph.accepted.get(phoneNumber(indexOf(id)))?.length === 1 || deadLettered().has(id)).toBe(true);
    // and the copy of a delivered job was deleted unsent: the duplicate check did its work
    expect(graph.requestsFor(phoneNumber(indexOf(deliveredId)))).toHaveLength(requestsOfDelivered);
    expect(duplicates()).toEqual([]);

    // WHEN the operator checks the delivery webhooks (here: what the stand-in accepted, once it has
    // handled every request), removes the dead letters of endpoints that did get their message, and
    // redrives the rest with --include-uncertain
    await providerCaughtUp();
    const arrived = (m: { body: string; attributes: Record<string, { StringValue?: string }> }) =>
      m.attributes.permanent?.StringValue !== 'true' && graph.accepted.has((JSON.parse(m.body) as DeliveryJobMessage).recipient);
    queue.messages.splice(0, queue.messages.length, ...queue.messages.filter((m) => !(m.queue === DEAD_LETTERS && arrived(m))));
    const sqs = new SQSClient({ endpoint: queue.endpoint, region: 'eu-west-1', credentials: CREDENTIALS });
    try {
      await redriveDeadLetters({
        deadLetterQueueUrl: queue.urlOf(DEAD_LETTERS), jobQueueUrl: queue.urlOf(JOBS), dryRun: false, includePermanent: false, includeUncertain: true,
      }, sqs, () => undefined);
    } finally {
      sqs.destroy();
    }
    await drainJobQueue();

    // THEN everyone but the permanent failures (and any the queues did not take) got exactly one message
    const notTaken = groups.failed.filter((id) => notSaved(response, id));
    for (const id of endpointIdsOf(events)) {
      if (!permanent.includes(id) && !notTaken.includes(id)) expect(graph.accepted.get(phoneNumber(indexOf(id)))).toHaveLength(1);
    }
    expect(duplicates()).toEqual([]);
    // and no request after the recovery hung: none was planned
    expect(graph.requests.filter((r) => r.answer === 'hang').length).toBe(hangsBefore);
    // only permanent failures are left in the dead-letter queue, for inspection, every one the first run had among them
    expect(queue.messagesOf(DEAD_LETTERS).every((m) => m.attributes.permanent?.StringValue === 'true')).toBe(true);
    expect(permanent.filter((id) => !flagged('permanent').includes(id))).toEqual([]);
  }, 120_000);

  test('a provider that hangs past the deadline: nothing is lost; what was sent is dead-lettered as uncertain, what was not is requeued', async () => {
    // GIVEN every request hangs, and the invocation has 3.5 s left (so 1.2 s for sending)
    graph.injectFaults({ hang: 1 });
    const events = batches(2, 3000);
    const response = await invokeAll(events, 2, 3500);
    // THEN every endpoint is accounted for: a request the deadline cut may have arrived, so it is
    // dead-lettered as uncertain; an endpoint the deadline reached before its request (a busy machine
    // gets there sooner) was surely not sent, so it waits on the job queue. When the answer comes is
    // the deadline logic's, tested with a controlled clock in the batch's unit tests.
    const groups = expectAccountedFor(events, response);
    const uncertain = flagged('uncertain');
    for (const id of groups.failed ?? []) expect(uncertain.includes(id) || notSaved(response, id)).toBe(true);
    // (surely not sent: the deadline came first, or the duplicate check could not answer in time)
    for (const id of groups.retrying ?? []) {
      expect(response[id].EventAttributes.attempts).toBe('0');
      expect(['deadline_exceeded', 'idempotency_unavailable']).toContain(response[id].EventAttributes.error_code);
    }
    expect(groups.failed?.length).toBeGreaterThan(0);
    expect((groups.failed?.length ?? 0) + (groups.retrying?.length ?? 0)).toBe(100);
  }, 30_000);

  test('a provider that resets connections: retried, delivered once', async () => {
    graph.injectFaults({ reset: 0.5, seed: 3 });
    const events = batches(4, 3200);
    const response = await invokeAll(events);
    const groups = expectAccountedFor(events, response);
    // A reset is transient: some endpoints were reset and then delivered on a retry, and none failed
    // for good (the rest are requeued for a later retry, or reported not saved if the queue was slow).
    const wasReset = new Set(graph.requests.filter((r) => r.answer === 'reset').map((r) => r.recipient));
    expect(groups.delivered.filter((id) => wasReset.has(phoneNumber(indexOf(id)))).length).toBeGreaterThan(0);
    expect((groups.failed ?? []).filter((id) => !notSaved(response, id))).toEqual([]);
  }, 30_000);

  test('a job queue that refuses part of a batch: the refused ones are reported failed and retryable, the rest requeued', async () => {
    // GIVEN every send fails with 5xx, and the queue refuses two entries of each first call (one for our fault)
    graph.injectFaults({ serverError: 1 });
    queue.refuseNextBatches = Array.from({ length: 5 }, () => [{ index: 0, senderFault: false }, { index: 1, senderFault: true }]);
    const events = batches(1, 3500);
    const response = await invokeAll(events);
    const groups = expectAccountedFor(events, response);
    // the sender-fault ones could not be requeued; the others were (after one more try where SQS refused)
    expect(groups.failed).toHaveLength(5);
    expect(groups.retrying).toHaveLength(45);
    for (const id of groups.failed) expect(response[id].EventAttributes).toMatchObject({ retryable: 'true', reason: expect.stringContaining('not saved') });
    expect(queue.messagesOf(JOBS)).toHaveLength(45);
  }, 30_000);

  test('PutEvents failing changes nothing in the delivery', async () => {
    pinpoint.reset();
    pinpoint.on(PutEventsCommand).rejects(Object.assign(new Error('down'), { name: 'ServiceUnavailable' }));
    graph.injectFaults({ throttle: 0.3, seed: 11 });
    const events = batches(4, 3600);
    const response = await invokeAll(events);
    const groups = expectAccountedFor(events, response);
    const notTaken = (groups.failed ?? []).filter((id) => notSaved(response, id)).length;
    expect(groups.delivered.length + (groups.retrying?.length ?? 0) + notTaken).toBe(200);
    expect(pinpoint.commandCalls(PutEventsCommand)).toHaveLength(4);
  }, 30_000);
});
