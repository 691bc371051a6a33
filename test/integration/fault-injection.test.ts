/**
 * Fault injection: the handler against a Graph API stand-in that throttles, fails, hangs and resets,
 * a parking queue that refuses entries, and a Pinpoint that refuses events. Whatever happens, every
 * endpoint ends exactly once as delivered, failed or parked; nobody gets a message twice; and once the
 * provider recovers, the redrive delivers what was parked.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PinpointClient, PutEventsCommand } from '@aws-sdk/client-pinpoint';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { runRedrive } from '../../cli/redrive/run';
import { DEFAULT_SETTINGS } from '../../lambda/core';
import type * as HandlerModule from '../../lambda/handler';
import { PowertoolsDeliveryGuard } from '../../lambda/adapters/dynamodb-delivery-guard';
import type { ParkedDelivery } from '../../lambda/domain';
import { WhatsAppProvider } from '../../lambda/providers/whatsapp';
import { DynamoDbServer } from './stand-ins/dynamodb-server';
import { phoneNumber, pinpointEvent } from '../support/events';
import { RecordingLogger, StaticTokens } from '../support/fakes';
import { GraphApiServer } from './stand-ins/graph-api-server';
import { SqsServer } from './stand-ins/sqs-server';

type Response = Record<string, { EventAttributes: Record<string, string> }>;
type Handler = (event: unknown, context: Context) => Promise<Response>;

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:whatsapp/token-AbC123';
const TOKEN = 'test-token-fault-injection';
const PHONE_NUMBER_ID = '109876543210987';
const CREDENTIALS = { accessKeyId: 'AKIDTESTONLY', secretAccessKey: 'test-only' };
const BATCH = 50;

const secrets = mockClient(SecretsManagerClient);
const pinpoint = mockClient(PinpointClient);
let graph: GraphApiServer;
let queue: SqsServer;
let table: DynamoDbServer;
let handler: Handler;
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

/**
 * A transient failure the parking queue did not take within the function's settle timeout (an
 * in-process stand-in on a loaded machine can be that slow): reported failed and retryable, never dropped.
 */
function notParked(response: Response, id: string): boolean {
  const attributes = response[id].EventAttributes;
  return attributes.status === 'failed' && attributes.retryable === 'true' && attributes.reason.includes('not parked');
}

/**
 * The core invariant: every endpoint of the batches is answered exactly once, as delivered, failed or
 * parked; delivered means the provider accepted exactly one message; parked means it is in the queue.
 */
function expectAccountedFor(events: Record<string, unknown>[], response: Response): Record<string, string[]> {
  const ids = endpointIdsOf(events);
  expect(Object.keys(response).sort()).toEqual([...ids].sort());
  const groups = byStatus(response);
  expect(Object.keys(groups).filter((status) => !['delivered', 'failed', 'parked'].includes(status))).toEqual([]);
  expect((groups.delivered?.length ?? 0) + (groups.failed?.length ?? 0) + (groups.parked?.length ?? 0)).toBe(ids.length);
  for (const id of groups.delivered ?? []) expect(graph.accepted.get(phoneNumber(indexOf(id)))).toHaveLength(1);
  const parked = queue.bodies<ParkedDelivery>().filter((m) => !m.permanent);
  for (const id of groups.parked ?? []) expect(parked.some((m) => m.endpointId === id)).toBe(true);
  // Anything the provider accepted but the function did not see accepted (its answer came after the
  // request timeout: a busy machine can do that) must be parked as uncertain, so the redrive leaves it.
  for (const id of [...(groups.failed ?? []), ...(groups.parked ?? [])]) {
    if (graph.accepted.has(phoneNumber(indexOf(id)))) {
      expect(parked.filter((m) => m.endpointId === id).every((m) => m.uncertain)).toBe(true);
      expect(response[id].EventAttributes.error_code).toBe('timeout');
      // Parked, or (when the parking queue itself did not answer in time) reported not parked and retryable.
      if (response[id].EventAttributes.status !== 'parked') expect(notParked(response, id)).toBe(true);
    }
  }
  expect(duplicates()).toEqual([]);
  return groups;
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
    GRAPH_API_BASE_URL: graph.baseUrl, REQUEST_TIMEOUT_MS: '2000', PARKING_QUEUE_URL: queue.queueUrl, AWS_ENDPOINT_URL_SQS: queue.endpoint,
    IDEMPOTENCY_TABLE_NAME: 'idempotency', AWS_ENDPOINT_URL_DYNAMODB: table.endpoint, REPORT_TO_PINPOINT: 'true', POWERTOOLS_LOG_LEVEL: 'CRITICAL',
  });
  // The function's logs and metrics are checked elsewhere; here they would only bury the results.
  jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  handler = (require('../../lambda/handler') as typeof HandlerModule).handler as Handler;
});

afterAll(async () => {
  jest.restoreAllMocks();
  await Promise.all([graph.stop(), queue.stop(), table.stop()]);
});

beforeEach(() => {
  graph.reset();
  graph.injectFaults(undefined);
  queue.messages.length = 0;
  queue.refuseNextBatches = [];
  secrets.reset();
  secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ accessToken: TOKEN }) });
  pinpoint.reset();
  pinpoint.on(PutEventsCommand).resolves({ EventsResponse: { Results: {} } });
});

describe('fault injection', () => {
  test('2,000 endpoints through throttling, 5xx, hangs, resets and permanent errors: all accounted for, none twice; the redrive delivers the parked ones', async () => {
    // GIVEN a provider that throttles 30 % of requests and fails, hangs, resets or rejects others
    graph.injectFaults({ throttle: 0.3, serverError: 0.1, hang: 0.02, reset: 0.05, permanent: 0.02, seed: 7 });
    const events = batches(40);

    // WHEN Pinpoint sends 40 batches of 50, 8 at a time
    const response = await invokeAll(events);

    // THEN every endpoint is delivered, failed or parked, once; delivered ones were accepted once
    const groups = expectAccountedFor(events, response);
    // Not a degenerate run, however fast the machine: every kind of fault was met, and endpoints were
    // delivered on a retry after one (how many depends on speed: a busy machine parks more).
    expect([...new Set(graph.requests.map((r) => r.answer))].sort()).toEqual(['accept', 'error', 'hang', 'reset']);
    expect(groups.delivered.filter((id) => graph.requestsFor(phoneNumber(indexOf(id))).length > 1).length).toBeGreaterThan(0);
    expect(groups.parked.length).toBeGreaterThan(0);
    expect(groups.failed.length).toBeGreaterThan(0);
    // failed ones are the permanent rejections, parked and flagged for inspection (or transient ones the
    // parking queue did not take in time, reported as such)
    const permanentlyFailed = groups.failed.filter((id) => !notParked(response, id));
    for (const id of permanentlyFailed) expect(response[id].EventAttributes).toMatchObject({ error_code: '131026', retryable: 'false' });
    const parkedPermanent = queue.bodies<ParkedDelivery>().filter((m) => m.permanent).map((m) => m.endpointId);
    expect(parkedPermanent.filter((id) => !permanentlyFailed.includes(id))).toEqual([]);
    expect(parkedPermanent.length).toBeGreaterThan(0);

    // WHEN Pinpoint sends five of the batches again
    const again = await invokeAll(events.slice(0, 5));
    // THEN no delivered endpoint is messaged again
    // (or, if the duplicate check's table did not answer in time, it is not sent at all: parked, unsent)
    for (const id of endpointIdsOf(events.slice(0, 5)).filter((id) => groups.delivered.includes(id))) {
      const attributes = again[id].EventAttributes;
      if (attributes.error_code === 'idempotency_unavailable') expect(attributes).toMatchObject({ status: 'parked', attempts: '0' });
      else expect(attributes).toMatchObject({ status: 'delivered', reason: 'already_delivered' });
    }
    expect(duplicates()).toEqual([]);

    // AND a copy of a delivered endpoint's message lies in the queue (as a repeated batch can leave one)
    const deliveredId = groups.delivered[0];
    const template = queue.bodies<ParkedDelivery>().find((m) => !m.permanent)!;
    queue.messages.push({
      messageId: 'copy-of-delivered', invisibleUntil: 0, receiveCount: 0, attributes: {},
      body: JSON.stringify({ ...template, uncertain: false, endpointId: deliveredId, recipient: phoneNumber(indexOf(deliveredId)), ids: { ...template.ids, campaignId: events[0].CampaignId } }),
    });

    // WHEN the provider recovers and the operator runs the redrive, with the idempotency table
    graph.injectFaults(undefined);
    // A repeated batch tries its failed endpoints again and may park one a second time: count messages.
    const waiting = queue.bodies<ParkedDelivery>().filter((m) => !m.permanent);
    const uncertainMessages = waiting.filter((m) => m.uncertain);
    expect(uncertainMessages.length).toBeGreaterThan(0);
    expect(uncertainMessages.every((m) => m.lastError.code === 'timeout')).toBe(true);
    const sqs = new SQSClient({ endpoint: queue.endpoint, region: 'eu-west-1', credentials: CREDENTIALS });
    const dynamodb = new DynamoDBClient({ endpoint: table.endpoint, region: 'eu-west-1', credentials: CREDENTIALS });
    const guard = new PowertoolsDeliveryGuard('idempotency', 3600, dynamodb);
    // The stand-in now answers every request at once (no fault is planned), so only a planned hang could
    // reach this timeout: a request slowed by a busy machine is waited for, not taken for one that may have arrived.
    const settings = { ...DEFAULT_SETTINGS, requestTimeoutMs: 30_000 };
    const hangsBefore = graph.requests.filter((r) => r.answer === 'hang').length;
    const redrive = (includeUncertain: boolean) => runRedrive({
      queueUrl: queue.queueUrl, dryRun: false, max: Number.MAX_SAFE_INTEGER, includePermanent: false, includeUncertain,
    }, {
      sqs, guard, settings, provider: new WhatsAppProvider({ baseUrl: graph.baseUrl, apiVersion: 'v25.0', phoneNumberId: PHONE_NUMBER_ID }),
      tokens: new StaticTokens(TOKEN), print: () => undefined, logger: new RecordingLogger(),
    });
    try {
      // THEN the first pass accounts for every message once: each certain one is delivered and deleted (an
      // endpoint the repeated batches delivered, or a second copy, without a send); each uncertain one is
      // left, and so is a certain copy whose endpoint a repeated batch has since left uncertain
      const first = await redrive(false);
      expect(first.received - first.permanentLeft).toBe(waiting.length);
      expect(first).toMatchObject({ failed: 0, unreadable: 0 });
      expect(first.delivered + first.uncertainLeft).toBe(waiting.length);
      expect(first.uncertainLeft).toBeGreaterThanOrEqual(uncertainMessages.length);
      // and once the operator has checked the delivery webhooks (here: what the stand-in accepted) and
      // removed the messages of endpoints that did get their message, the second pass sends the rest once
      const arrived = (m: { body: string }) => !JSON.parse(m.body).permanent && graph.accepted.has(JSON.parse(m.body).recipient);
      queue.messages.splice(0, queue.messages.length, ...queue.messages.filter((m) => !arrived(m)));
      const remaining = queue.bodies<ParkedDelivery>().filter((m) => !m.permanent).length;
      const second = await redrive(true);
      expect(second).toMatchObject({ failed: 0, uncertainLeft: 0, unreadable: 0, delivered: remaining });
      // and no request of the redrive hung: none was planned
      expect(graph.requests.filter((r) => r.answer === 'hang').length).toBe(hangsBefore);
      // The run did exercise the check: the copy of a delivered endpoint's message (and any the repeated
      // batches left) was deleted unsent (the exactly-once assertions below would catch a resend).
      expect(first.alreadyDelivered).toBeGreaterThan(0);
      expect(queue.messages.some((m) => m.messageId === 'copy-of-delivered')).toBe(false);
    } finally {
      sqs.destroy();
      dynamodb.destroy();
    }
    for (const id of [...groups.delivered, ...groups.parked]) expect(graph.accepted.get(phoneNumber(indexOf(id)))).toHaveLength(1);
    expect(duplicates()).toEqual([]);
    // only permanent failures are left in the queue, for inspection, every one the first run parked among them
    const left = queue.bodies<ParkedDelivery>();
    expect(left.every((m) => m.permanent)).toBe(true);
    expect(parkedPermanent.filter((id) => !left.some((m) => m.endpointId === id))).toEqual([]);
  }, 120_000);

  test('a provider that hangs past the deadline: nothing is lost, everything is parked in time', async () => {
    // GIVEN every request hangs, and the invocation has 3.5 s left (so 1.2 s for sending)
    graph.injectFaults({ hang: 1 });
    const events = batches(2, 3000);
    const started = Date.now();
    const response = await invokeAll(events, 2, 3500);
    // THEN it answers before the Lambda would time out, with every endpoint parked
    expect(Date.now() - started).toBeLessThan(3500);
    const groups = expectAccountedFor(events, response);
    expect(groups.parked).toHaveLength(100);
  }, 30_000);

  test('a provider that resets connections: retried, delivered once', async () => {
    graph.injectFaults({ reset: 0.5, seed: 3 });
    const events = batches(4, 3200);
    const response = await invokeAll(events);
    const groups = expectAccountedFor(events, response);
    // A reset is transient: some endpoints were reset and then delivered on a retry, and none failed
    // for good (the rest are parked for a later retry, or reported not parked if the queue was slow).
    const wasReset = new Set(graph.requests.filter((r) => r.answer === 'reset').map((r) => r.recipient));
    expect(groups.delivered.filter((id) => wasReset.has(phoneNumber(indexOf(id)))).length).toBeGreaterThan(0);
    expect((groups.failed ?? []).filter((id) => !notParked(response, id))).toEqual([]);
  }, 30_000);

  test('a parking queue that refuses part of a batch: the refused ones are reported failed and retryable, the rest parked', async () => {
    // GIVEN every send fails with 5xx, and the queue refuses two entries of each first call (one for our fault)
    graph.injectFaults({ serverError: 1 });
    queue.refuseNextBatches = Array.from({ length: 5 }, () => [{ index: 0, senderFault: false }, { index: 1, senderFault: true }]);
    const events = batches(1, 3500);
    const response = await invokeAll(events);
    const groups = expectAccountedFor(events, response);
    // the sender-fault ones could not be parked; the others were parked (after one more try where SQS refused)
    expect(groups.failed).toHaveLength(5);
    expect(groups.parked).toHaveLength(45);
    for (const id of groups.failed) expect(response[id].EventAttributes).toMatchObject({ retryable: 'true', reason: expect.stringContaining('not parked') });
    expect(queue.messages).toHaveLength(45);
  }, 30_000);

  test('PutEvents failing changes nothing in the delivery', async () => {
    pinpoint.reset();
    pinpoint.on(PutEventsCommand).rejects(Object.assign(new Error('down'), { name: 'ServiceUnavailable' }));
    graph.injectFaults({ throttle: 0.3, seed: 11 });
    const events = batches(4, 3600);
    const response = await invokeAll(events);
    const groups = expectAccountedFor(events, response);
    const notTaken = (groups.failed ?? []).filter((id) => notParked(response, id)).length;
    expect(groups.delivered.length + (groups.parked?.length ?? 0) + notTaken).toBe(200);
    expect(pinpoint.commandCalls(PutEventsCommand)).toHaveLength(4);
  }, 30_000);
});
