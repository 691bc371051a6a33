import { PinpointClient, PutEventsCommand, PutEventsCommandInput } from '@aws-sdk/client-pinpoint';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendMessageBatchCommand, SendMessageBatchCommandInput, SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { outcomeQuery } from '../../cli/ops';
import { parseDeliveryJob } from '../../lambda/contract';
import type * as HandlerModule from '../../lambda/handler';
import { SERVICE_NAME } from '../../lib/delivery-stack';
import { endpoint, endpointId, phoneNumber, pinpointEvent } from '../support/events';
import { DynamoDbServer } from './stand-ins/dynamodb-server';
import { graphError, GraphApiServer } from './stand-ins/graph-api-server';

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:whatsapp/token-AbC123';
const TOKEN = 'test-token-integration-0123456789';
const PHONE_NUMBER_ID = '109876543210987';
const REQUEST_TIMEOUT_MS = 1000;

type Handler = (event: unknown, context: Context) => Promise<Record<string, { EventAttributes: Record<string, string> }>>;

const JOB_QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/111122223333/jobs';
const DEAD_LETTER_QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/111122223333/dead-letters';

const secrets = mockClient(SecretsManagerClient);
const sqs = mockClient(SQSClient);
const pinpoint = mockClient(PinpointClient);

/** Pinpoint accepts every event, answering per endpoint and event as its API does. */
function pinpointAcceptsEverything(): void {
  pinpoint.on(PutEventsCommand).callsFake((input: PutEventsCommandInput) => ({
    EventsResponse: {
      Results: Object.fromEntries(Object.entries(input.EventsRequest!.BatchItem!).map(([id, item]) => [id, {
        EndpointItemResponse: { StatusCode: 202, Message: 'Accepted' },
        EventsItemResponse: Object.fromEntries(Object.keys(item.Events!).map((eventId) => [eventId, { StatusCode: 202, Message: 'Accepted' }])),
      }])),
    },
  }));
}

/** The queue accepts every entry, like SQS does when all is well. */
function queueAcceptsEverything(): void {
  sqs.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => ({
    Successful: input.Entries!.map((e) => ({ Id: e.Id, MessageId: `m-${e.Id}`, MD5OfMessageBody: 'x' })), Failed: [],
  }));
}

/** Every message the function put into `queueUrl`, parsed. */
function messagesSentTo(queueUrl: string): Record<string, any>[] {
  return sqs.commandCalls(SendMessageBatchCommand).filter((call) => call.args[0].input.QueueUrl === queueUrl)
    .flatMap((call) => call.args[0].input.Entries!.map((e) => JSON.parse(e.MessageBody!)));
}
const requeued = () => messagesSentTo(JOB_QUEUE_URL);
const deadLettered = () => messagesSentTo(DEAD_LETTER_QUEUE_URL);
let server: GraphApiServer;
/** The idempotency table, reached by the real SDK through AWS_ENDPOINT_URL_DYNAMODB. */
let table: DynamoDbServer;
let handler: Handler;
/** Everything the function wrote to stdout and stderr during the current test. */
let output: string[] = [];

/** A Lambda context whose deadline is `budgetMs` from now. */
function lambdaContext(budgetMs = 13_000): Context {
  const deadline = Date.now() + budgetMs;
  return {
    functionName: 'delivery', functionVersion: '$LATEST', invokedFunctionArn: 'arn:aws:lambda:eu-west-1:111122223333:function:delivery',
    memoryLimitInMB: '256', awsRequestId: 'request-1', logGroupName: '/aws/lambda/delivery', logStreamName: 'stream',
    callbackWaitsForEmptyEventLoop: true, getRemainingTimeInMillis: () => deadline - Date.now(),
    done: () => undefined, fail: () => undefined, succeed: () => undefined,
  };
}

function jsonLines(): Record<string, unknown>[] {
  return output.join('').split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
}

beforeAll(async () => {
  server = await GraphApiServer.start({ validToken: TOKEN });
  table = await DynamoDbServer.start();
  Object.assign(process.env, {
    AWS_REGION: 'eu-west-1',
    // Static credentials and no instance metadata: nothing may reach for a real credential source.
    AWS_ACCESS_KEY_ID: 'AKIDTESTONLY', AWS_SECRET_ACCESS_KEY: 'test-only', AWS_EC2_METADATA_DISABLED: 'true',
    TOKEN_SECRET_ARN: SECRET_ARN,
    JOB_QUEUE_URL,
    DEAD_LETTER_QUEUE_URL,
    REPORT_TO_PINPOINT: 'true',
    IDEMPOTENCY_TABLE_NAME: 'idempotency',
    AWS_ENDPOINT_URL_DYNAMODB: table.endpoint,
    WHATSAPP_PHONE_NUMBER_ID: PHONE_NUMBER_ID,
    GRAPH_API_VERSION: 'v25.0',
    GRAPH_API_BASE_URL: server.baseUrl,
    REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
    POWERTOOLS_METRICS_NAMESPACE: 'PinpointCustomChannelTest',
  });
  // Powertools writes logs and EMF metrics straight to stdout (WARN and ERROR to stderr); capture both.
  for (const stream of [process.stdout, process.stderr]) {
    jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      output.push(String(chunk));
      return true;
    });
  }
  // Loaded only now: the module reads its environment when it is first loaded, as at a cold start.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  handler = (require('../../lambda/handler') as typeof HandlerModule).handler as Handler;
});

afterAll(async () => {
  jest.restoreAllMocks();
  await server.stop();
  await table.stop();
});

beforeEach(() => {
  server.reset();
  table.items.clear();
  table.failWith = undefined;
  output = [];
  sqs.reset();
  queueAcceptsEverything();
  pinpoint.reset();
  pinpointAcceptsEverything();
  secrets.reset();
  secrets.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({ SecretString: JSON.stringify({ accessToken: TOKEN }) });
});

describe('handler against a local Graph API', () => {
  test('50 endpoints with mixed outcomes: each is delivered, retried or failed as it should be, and all are reported', async () => {
    // GIVEN a provider that throttles one number, fails another once with 500, hangs on one and rejects one
    server.script(phoneNumber(1), graphError(429, 130429), { kind: 'accept' });
    server.script(phoneNumber(2), graphError(429), { kind: 'accept' });
    server.script(phoneNumber(3), graphError(500), { kind: 'accept' });
    server.script(phoneNumber(4), { kind: 'hang' });
    server.script(phoneNumber(5), graphError(400, 131026));
    server.script(phoneNumber(6), graphError(400, 132001));

    // WHEN Pinpoint invokes the function with 50 endpoints
    const startedAt = Date.now();
    const response = await handler(pinpointEvent(50), lambdaContext());
    const elapsed = Date.now() - startedAt;

    // THEN every endpoint has a result
    expect(Object.keys(response)).toHaveLength(50);
    const status = (i: number) => response[endpointId(i)].EventAttributes;
    // the throttled and the failed-once ones were retried and delivered
    expect(status(1)).toMatchObject({ status: 'delivered', attempts: '2' });
    expect(status(2)).toMatchObject({ status: 'delivered', attempts: '2' });
    expect(status(3)).toMatchObject({ status: 'delivered', attempts: '2' });
    // the hanging one timed out once and was not resent (it may have been delivered): dead-lettered, not retried
    expect(status(4)).toMatchObject({ status: 'failed', error_code: 'timeout', attempts: '1', retryable: 'true' });
    expect(server.requestsFor(phoneNumber(4))).toHaveLength(1);
    // the permanent errors were sent once and never retried
    expect(status(5)).toMatchObject({ status: 'failed', error_code: '131026', attempts: '1', retryable: 'false' });
    expect(status(6)).toMatchObject({ status: 'failed', error_code: '132001', attempts: '1', retryable: 'false' });
    expect(server.requestsFor(phoneNumber(5))).toHaveLength(1);
    // everyone else once, with the provider's message id
    for (let i = 7; i < 50; i += 1) expect(status(i)).toEqual({ status: 'delivered', message_id: expect.stringMatching(/^wamid\./), attempts: '1' });
    expect(status(0).status).toBe('delivered');
    // no number got two accepted messages
    for (const ids of server.accepted.values()) expect(ids).toHaveLength(1);
    // the failures went to the dead-letter queue in one batch call, flagged permanent or uncertain
    // (the timeout: WhatsApp may have accepted it, so the redrive leaves it unless asked)
    const [letters] = sqs.commandCalls(SendMessageBatchCommand).filter((call) => call.args[0].input.QueueUrl === DEAD_LETTER_QUEUE_URL);
    expect(letters.args[0].input.Entries!.map((e) => [JSON.parse(e.MessageBody!).endpointId, e.MessageAttributes!.permanent.StringValue,
      e.MessageAttributes!.uncertain.StringValue, e.MessageAttributes!.errorCode.StringValue])).toEqual([
      [endpointId(4), 'false', 'true', 'timeout'], [endpointId(5), 'true', 'false', '131026'], [endpointId(6), 'true', 'false', '132001'],
    ]);
    expect(requeued()).toEqual([]);
    // and the batch answered inside the invocation's budget (the deadline logic's invariant; how far
    // inside depends on the machine, so it is not asserted)
    expect(elapsed).toBeLessThan(13_000);
  });

  test('requests follow the contract: path, bearer token, body with the recipient and the rendered message', async () => {
    await handler(pinpointEvent(1), lambdaContext());
    const [request] = server.requests;
    expect(request).toMatchObject({ method: 'POST', path: `/v25.0/${PHONE_NUMBER_ID}/messages`, authorization: `Bearer ${TOKEN}` });
    expect(request.body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: phoneNumber(0),
      type: 'template',
      template: {
        name: 'order_unpaid', language: { code: 'en_US' },
        components: [{ type: 'body', parameters: [{ type: 'text', text: 'Person0' }, { type: 'text', text: 'item 0' }] }],
      },
    });
  });

  test('reads the secret once per container, and again only when the provider rejects the token', async () => {
    // GIVEN the token was rotated: the secret now holds a new one the provider accepts
    await handler(pinpointEvent(2), lambdaContext());
    const rotated = 'test-token-rotated-9876543210';
    server.acceptToken(rotated);
    secrets.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({ SecretString: JSON.stringify({ accessToken: rotated }) });
    // WHEN the next batch arrives with the old token still cached
    const response = await handler(pinpointEvent(3), lambdaContext());
    // THEN one re-read, and the batch is delivered with the new token
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(Object.values(response).map((r) => r.EventAttributes.status)).toEqual(['delivered', 'delivered', 'delivered']);
    server.acceptToken(TOKEN);
  });

  test('a bad event sends nothing, logs one clear error line and answers for every endpoint', async () => {
    const response = await handler({ ...pinpointEvent(3), Data: '{"type":"template"' }, lambdaContext());
    expect(server.requests).toHaveLength(0);
    expect(Object.values(response).map((r) => r.EventAttributes)).toEqual(Array(3).fill({
      status: 'failed', error_code: 'invalid_event', reason: 'Data is not valid JSON', attempts: '0', retryable: 'false',
    }));
    const errors = jsonLines().filter((line) => line.level === 'ERROR');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ message: 'Rejected the event: Data is not valid JSON', campaignId: '13978104ce5d6017c72552257example' });
  });

  test('an unreadable token fails the invocation before anything is sent', async () => {
    // GIVEN a new container (the module's cache holds the token) whose role may not read the secret
    let freshHandler: Handler | undefined;
    jest.isolateModules(() => {
      /* eslint-disable @typescript-eslint/no-require-imports */
      const { SecretsManagerClient: IsolatedClient, GetSecretValueCommand: IsolatedCommand } = require('@aws-sdk/client-secrets-manager');
      mockClient(IsolatedClient).on(IsolatedCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
      freshHandler = require('../../lambda/handler').handler;
      /* eslint-enable @typescript-eslint/no-require-imports */
    });
    // WHEN invoked; THEN it throws, naming the reason, and nothing was sent
    await expect(freshHandler!(pinpointEvent(2), lambdaContext())).rejects.toThrow(/AccessDeniedException/);
    expect(server.requests).toHaveLength(0);
    expect(jsonLines().find((line) => line.level === 'ERROR')).toMatchObject({ message: 'Nothing was sent', errorName: 'TokenUnavailableError' });
  });

  test('logs carry the campaign ids and masked numbers; no log line holds a phone number or the token', async () => {
    server.script(phoneNumber(1), graphError(400, 131026));
    await handler(pinpointEvent(3, { endpoints: { bad: endpoint(9, { Address: 'not-a-number' }) } }), lambdaContext());
    const text = output.join('');
    expect(text).not.toContain(TOKEN);
    for (let i = 0; i < 10; i += 1) expect(text).not.toContain(phoneNumber(i));
    const failure = jsonLines().find((line) => line.message === 'Delivery failed');
    expect(failure).toMatchObject({
      level: 'WARN', endpointId: endpointId(1), recipient: '***0001', errorCode: '131026',
      applicationId: '3a9b1f4e6c764ba7b031e7183example', campaignId: '13978104ce5d6017c72552257example', treatmentId: '0',
      activityId: '575cb1929d5ba43e87e2478eeexample',
    });
  });

  test('a transient failure becomes a job of the contract on the job queue, with a delay, for the worker to retry', async () => {
    server.script(phoneNumber(2), graphError(503), graphError(503), graphError(503), graphError(503));
    const response = await handler(pinpointEvent(3), lambdaContext());
    expect(response[endpointId(2)].EventAttributes).toMatchObject({ status: 'retrying', error_code: 'http_503', attempts: '4' });
    const [call] = sqs.commandCalls(SendMessageBatchCommand);
    expect(call.args[0].input.QueueUrl).toBe(JOB_QUEUE_URL);
    expect(call.args[0].input.Entries![0].DelaySeconds).toBeGreaterThanOrEqual(1);
    const [job] = requeued();
    expect(parseDeliveryJob(JSON.stringify(job)).ok).toBe(true);
    expect(job).toEqual({
      version: 1,
      channel: 'whatsapp',
      campaign: {
        applicationId: '3a9b1f4e6c764ba7b031e7183example', campaignId: '13978104ce5d6017c72552257example', treatmentId: '0',
        activityId: '575cb1929d5ba43e87e2478eeexample',
      },
      endpointId: endpointId(2),
      channelType: 'CUSTOM',
      recipient: phoneNumber(2),
      message: expect.objectContaining({ type: 'template', template: expect.objectContaining({ name: 'order_unpaid' }) }),
      idempotencyKey: `3a9b1f4e6c764ba7b031e7183example/campaign/13978104ce5d6017c72552257example/0/575cb1929d5ba43e87e2478eeexample/${endpointId(2)}`,
      enqueuedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      lastError: { code: 'http_503', reason: expect.stringContaining('HTTP 503') },
      attempts: 4,
    });
    expect(deadLettered()).toEqual([]);
  });

  test('a queue that refuses part of a batch: refused-by-SQS entries are tried again, refused-for-our-fault ones are reported', async () => {
    // GIVEN three transient failures; the queue refuses one for its own reason once, and one as a sender fault
    for (const i of [0, 1, 2]) server.script(phoneNumber(i), ...Array(4).fill(graphError(503)));
    let call = 0;
    sqs.reset();
    sqs.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => {
      call += 1;
      const entries = input.Entries!;
      const refuse = call === 1 ? entries.slice(0, 2) : [];
      return {
        Successful: entries.filter((e) => !refuse.includes(e)).map((e) => ({ Id: e.Id, MessageId: 'm', MD5OfMessageBody: 'x' })),
        Failed: refuse.map((e, i) => ({ Id: e.Id, Code: i === 0 ? 'InternalError' : 'InvalidParameterValue', SenderFault: i === 1 })),
      };
    });
    // WHEN the batch is handled
    const response = await handler(pinpointEvent(3), lambdaContext());
    // THEN the first was queued on the second try, the sender-fault one was not retried and is reported
    expect(call).toBe(2);
    expect(Object.values(response).map((r) => r.EventAttributes.status)).toEqual(['retrying', 'failed', 'retrying']);
    expect(response[endpointId(1)].EventAttributes).toMatchObject({ retryable: 'true', reason: expect.stringContaining('not saved') });
    const emf = jsonLines().find((line) => '_aws' in line);
    expect(emf).toMatchObject({ Retrying: 2, UnsavedFailures: 1, Failed: 1 });
    expect(jsonLines().some((line) => line.level === 'ERROR' && String(line.message).startsWith('Could not save failed deliveries'))).toBe(true);
  });

  test('unreachable queues fail loudly: error log, UnsavedFailures metric, endpoints failed and retryable', async () => {
    for (const i of [0, 1]) server.script(phoneNumber(i), ...Array(4).fill(graphError(503)));
    sqs.reset();
    sqs.on(SendMessageBatchCommand).rejects(Object.assign(new Error('no route'), { name: 'QueueDoesNotExist' }));
    const response = await handler(pinpointEvent(3), lambdaContext());
    expect(Object.values(response).map((r) => r.EventAttributes.status)).toEqual(['failed', 'failed', 'delivered']);
    expect(response[endpointId(0)].EventAttributes).toMatchObject({ retryable: 'true', reason: expect.stringContaining('not saved') });
    expect(jsonLines().find((line) => '_aws' in line)).toMatchObject({ UnsavedFailures: 2, Retrying: 0 });
    expect(jsonLines().find((line) => line.level === 'ERROR')).toMatchObject({ endpoints: [endpointId(0), endpointId(1)] });
  });

  test('reports every endpoint\'s outcome to Pinpoint in one PutEvents call, with the campaign ids', async () => {
    // GIVEN one permanent failure, one transient failure that is requeued, and one opted-out endpoint
    server.script(phoneNumber(1), graphError(400, 131026));
    server.script(phoneNumber(2), ...Array(4).fill(graphError(503)));
    const event = pinpointEvent(3, { endpoints: { optedOut: endpoint(9, { OptOut: 'ALL' }) } });
    // WHEN handled
    await handler(event, lambdaContext());
    // THEN one call, to the event's project, with one custom event per endpoint
    const calls = pinpoint.commandCalls(PutEventsCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0].args[0].input;
    expect(input.ApplicationId).toBe('3a9b1f4e6c764ba7b031e7183example');
    const events = Object.fromEntries(Object.entries(input.EventsRequest!.BatchItem!).map(([id, item]) => [id, item.Events!.outcome]));
    expect(Object.keys(events)).toEqual([endpointId(0), endpointId(1), endpointId(2), 'optedOut']);
    expect(events[endpointId(0)]).toEqual({
      EventType: 'custom_channel.delivered',
      Timestamp: expect.stringMatching(/^\d{4}-/),
      Attributes: {
        channel: 'whatsapp', status: 'delivered', campaign_id: '13978104ce5d6017c72552257example', treatment_id: '0',
        activity_id: '575cb1929d5ba43e87e2478eeexample', message_id: expect.stringMatching(/^wamid\./), attempts: '1',
      },
    });
    expect(events[endpointId(1)]).toMatchObject({ EventType: 'custom_channel.failed', Attributes: { error_code: '131026' } });
    expect(events[endpointId(2)]).toMatchObject({ EventType: 'custom_channel.retrying', Attributes: { error_code: 'http_503' } });
    expect(events.optedOut).toMatchObject({ EventType: 'custom_channel.skipped', Attributes: { reason: 'opted_out' } });
    expect(JSON.stringify(input)).not.toContain(phoneNumber(1));
  });

  test('a failing PutEvents is logged and counted, and never fails the delivery', async () => {
    pinpoint.reset();
    pinpoint.on(PutEventsCommand).rejects(Object.assign(new Error('denied'), { name: 'ForbiddenException' }));
    const response = await handler(pinpointEvent(3), lambdaContext());
    expect(Object.values(response).map((r) => r.EventAttributes.status)).toEqual(['delivered', 'delivered', 'delivered']);
    expect(jsonLines().find((line) => line.level === 'WARN')).toMatchObject({
      message: 'Could not report every outcome to Pinpoint; delivery is not affected', notReported: 3, error: 'ForbiddenException',
    });
    expect(jsonLines().find((line) => '_aws' in line)).toMatchObject({ ReportFailed: 3, Delivered: 3 });
  });

  test('events Pinpoint refuses one by one are counted as not reported', async () => {
    pinpoint.reset();
    pinpoint.on(PutEventsCommand).resolves({
      EventsResponse: { Results: {
        [endpointId(0)]: { EventsItemResponse: { outcome: { StatusCode: 202 } } },
        [endpointId(1)]: { EventsItemResponse: { outcome: { StatusCode: 400, Message: 'bad attribute' } } },
      } },
    });
    await handler(pinpointEvent(2), lambdaContext());
    expect(jsonLines().find((line) => '_aws' in line)).toMatchObject({ ReportFailed: 1 });
  });

  test('a duplicate invocation of the same batch sends nothing twice, and tries again only what failed', async () => {
    // GIVEN a first invocation in which one endpoint failed transiently and was requeued
    server.script(phoneNumber(2), ...Array(4).fill(graphError(503)));
    const first = await handler(pinpointEvent(5), lambdaContext());
    expect(Object.values(first).map((r) => r.EventAttributes.status)).toEqual(['delivered', 'delivered', 'retrying', 'delivered', 'delivered']);
    expect(table.statuses()).toEqual({ COMPLETED: 4 });
    server.reset();
    // WHEN Pinpoint invokes the function with the same batch again
    const second = await handler(pinpointEvent(5), lambdaContext());
    // THEN only the one that failed is sent again; the others are reported delivered, with their first message id
    expect(server.requests.map((r) => r.recipient)).toEqual([phoneNumber(2)]);
    expect(second[endpointId(0)].EventAttributes).toEqual({
      status: 'delivered', message_id: first[endpointId(0)].EventAttributes.message_id, reason: 'already_delivered', attempts: '0',
    });
    expect(second[endpointId(2)].EventAttributes.status).toBe('delivered');
    expect(jsonLines().filter((line) => '_aws' in line).at(-1)).toMatchObject({ AlreadyDelivered: 4, Delivered: 5 });
    for (const ids of server.accepted.values()) expect(ids).toHaveLength(1);
  });

  test('a repeated batch does not resend an endpoint whose earlier request went unanswered (it may have arrived)', async () => {
    // GIVEN a first invocation in which one request hung: dead-lettered as uncertain
    server.script(phoneNumber(1), { kind: 'hang' });
    const first = await handler(pinpointEvent(3), lambdaContext());
    expect(first[endpointId(1)].EventAttributes).toMatchObject({ status: 'failed', error_code: 'timeout' });
    expect(deadLettered()).toEqual([expect.objectContaining({ endpointId: endpointId(1), lastError: expect.objectContaining({ code: 'timeout' }) })]);
    // WHEN the same batch arrives again
    const second = await handler(pinpointEvent(3), lambdaContext());
    // THEN that endpoint is left to the operator's redrive, not sent a second time
    expect(second[endpointId(1)].EventAttributes).toEqual({ status: 'skipped', reason: 'uncertain_earlier', attempts: '0' });
    expect(server.requestsFor(phoneNumber(1))).toHaveLength(1);
  });

  test('the same endpoint in another campaign activity is a different message and is sent', async () => {
    await handler(pinpointEvent(2), lambdaContext());
    server.reset();
    await handler({ ...pinpointEvent(2), ActivityId: 'another-activity' }, lambdaContext());
    expect(server.requests).toHaveLength(2);
  });

  test('a duplicate that arrives while the first is still sending does not send', async () => {
    // GIVEN a first invocation whose request hangs until its timeout
    server.script(phoneNumber(0), { kind: 'hang' });
    const first = handler(pinpointEvent(1), lambdaContext());
    while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    // WHEN the same batch arrives meanwhile
    const second = await handler(pinpointEvent(1), lambdaContext());
    // THEN it leaves the endpoint to the first invocation
    expect(second[endpointId(0)].EventAttributes).toEqual({ status: 'skipped', reason: 'in_progress_elsewhere', attempts: '0' });
    expect(server.requests).toHaveLength(1);
    expect((await first)[endpointId(0)].EventAttributes).toMatchObject({ status: 'failed', error_code: 'timeout' });
  });

  test('a delivery whose record could not be completed is still remembered: a repeat, however late, does not send it again', async () => {
    // GIVEN a first invocation whose sends succeed, but whose completion writes fail
    table.failOperations.add('RecordResults');
    const first = await handler(pinpointEvent(2), lambdaContext(3000));
    table.failOperations.clear();
    expect(Object.values(first).map((r) => r.EventAttributes.status)).toEqual(['delivered', 'delivered']);
    expect(table.statuses()).toEqual({ INPROGRESS: 2 });
    // WHEN the same batch comes again after that invocation's whole budget has passed
    const later = Date.now() + 60_000;
    const realNow = Date.now;
    jest.spyOn(Date, 'now').mockImplementation(() => realNow() + (later - realNow()));
    try {
      const second = await handler(pinpointEvent(2), lambdaContext());
      // THEN nobody is messaged twice: the records are still in progress, which may mean sent
      expect(Object.values(second).map((r) => r.EventAttributes.reason)).toEqual(['in_progress_elsewhere', 'in_progress_elsewhere']);
    } finally {
      (Date.now as jest.Mock).mockRestore();
    }
    for (const ids of server.accepted.values()) expect(ids).toHaveLength(1);
  });

  test('when the idempotency table cannot be reached, nothing is sent and every endpoint is requeued', async () => {
    table.failWith = 'InternalServerError';
    const response = await handler(pinpointEvent(3), lambdaContext());
    expect(server.requests).toHaveLength(0);
    expect(Object.values(response).map((r) => [r.EventAttributes.status, r.EventAttributes.error_code])).toEqual(Array(3).fill(['retrying', 'idempotency_unavailable']));
    expect(requeued()).toHaveLength(3);
  });

  test('the per-batch summary line has what `ops status` queries: the campaign id and each count at the top level', async () => {
    server.script(phoneNumber(1), graphError(400, 131026));
    await handler(pinpointEvent(3, { endpoints: { optedOut: endpoint(9, { OptOut: 'ALL' }) } }), lambdaContext());
    const summary = jsonLines().find((line) => line.message === 'Batch finished');
    expect(summary).toMatchObject({
      campaignId: '13978104ce5d6017c72552257example', delivered: 2, failed: 1, retrying: 0, queued: 0, skipped: 1, alreadyDelivered: 0,
    });
    // Every field the query filters on or sums is one of the line's own.
    const query = outcomeQuery('13978104ce5d6017c72552257example');
    for (const field of [...query.matchAll(/sum\((\w+)\)/g)].map((m) => m[1])) expect(typeof summary![field]).toBe('number');
    expect(query).toContain('message = "Batch finished"');
  });

  test('publishes one EMF line per invocation with the outcome counts and the channel-type counts', async () => {
    server.script(phoneNumber(0), graphError(429, 130429), { kind: 'accept' });
    server.script(phoneNumber(1), graphError(400, 131026));
    await handler(pinpointEvent(3, { endpoints: { sms: endpoint(20, { ChannelType: 'SMS', OptOut: 'ALL' }) } }), lambdaContext());
    const emf = jsonLines().filter((line) => '_aws' in line);
    expect(emf).toHaveLength(1);
    expect(emf[0]).toMatchObject({
      Delivered: 2, Failed: 1, Skipped: 1, Retried: 1, Throttled: 1, EndpointCount: 4, CustomCount: 3, SMSCount: 1, EmailCount: 0, PushCount: 0,
      _aws: { CloudWatchMetrics: [expect.objectContaining({ Namespace: 'PinpointCustomChannelTest', Dimensions: [['service']] })] },
    });
    // The stack's alarms read the metrics under this service dimension.
    expect(emf[0].service).toBe(SERVICE_NAME);
  });
});

describe('handler without configuration', () => {
  test('refuses to run, naming the missing variable, and sends nothing', async () => {
    // GIVEN a container started without the phone number id (the default until the user sets it)
    const saved = process.env.WHATSAPP_PHONE_NUMBER_ID;
    delete process.env.WHATSAPP_PHONE_NUMBER_ID;
    let unconfigured: Handler | undefined;
    try {
      jest.isolateModules(() => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        unconfigured = require('../../lambda/handler').handler;
      });
    } finally {
      process.env.WHATSAPP_PHONE_NUMBER_ID = saved;
    }
    // WHEN invoked; THEN it throws a ConfigurationError naming the variable
    await expect(unconfigured!(pinpointEvent(1), lambdaContext())).rejects.toMatchObject({
      name: 'ConfigurationError', message: expect.stringContaining('WHATSAPP_PHONE_NUMBER_ID is not set'),
    });
    expect(server.requests).toHaveLength(0);
  });
});
