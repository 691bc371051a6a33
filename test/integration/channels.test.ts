/**
 * The integration suite every delivering channel must pass: the handler, loaded for that channel as a
 * new container would, against a local Graph API and local Secrets Manager, SQS and DynamoDB.
 */
import type { Context } from 'aws-lambda';
import type * as HandlerModule from '../../lambda/handler';
import { DynamoDbServer } from './stand-ins/dynamodb-server';
import { endpoint, endpointId, phoneNumber, pinpointEvent, psid, TEMPLATE_MESSAGE } from '../support/events';
import { graphError, GraphApiServer, type ScriptedAnswer } from './stand-ins/graph-api-server';
import { SecretsManagerServer } from './stand-ins/secrets-manager-server';
import { SqsServer } from './stand-ins/sqs-server';

type Response = Record<string, { EventAttributes: Record<string, string> }>;
type Handler = (event: unknown, context: Context) => Promise<Response>;

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:channel-token-AbC123';
const TOKEN = 'test-token-channels';

interface ChannelCase {
  readonly channel: string;
  readonly env: Record<string, string>;
  /** The campaign's Data for this channel. */
  readonly message: unknown;
  /** The provider's address of endpoint `i`. */
  readonly recipient: (i: number) => string;
  readonly path: string;
  /** A permanent error of this channel, and its code. */
  readonly permanent: [ScriptedAnswer, string];
  /** An endpoint this channel must skip, and why. */
  readonly unreachable: [Record<string, unknown>, string];
  readonly expectBody: (i: number) => unknown;
}

const CASES: ChannelCase[] = [
  {
    channel: 'whatsapp',
    env: { WHATSAPP_PHONE_NUMBER_ID: '109876543210987' },
    message: TEMPLATE_MESSAGE,
    recipient: phoneNumber,
    path: '/v25.0/109876543210987/messages',
    permanent: [graphError(400, 131026), '131026'],
    unreachable: [{ Address: 'mary.major@example.com', ChannelType: 'EMAIL' }, 'address_not_a_phone_number'],
    expectBody: (i) => expect.objectContaining({ messaging_product: 'whatsapp', recipient_type: 'individual', to: phoneNumber(i), type: 'template' }),
  },
  {
    channel: 'messenger',
    env: { MESSENGER_PAGE_ID: '1122334455', MESSENGER_PSID_ATTRIBUTE: 'facebookMessengerPsid' },
    message: { messaging_type: 'UPDATE', message: { text: 'Hi {{User.UserAttributes.FirstName}}, your order is on its way.' } },
    recipient: psid,
    path: '/v25.0/1122334455/messages',
    permanent: [graphError(400, 551), '551'],
    unreachable: [{ User: { UserId: 'u', UserAttributes: { FirstName: ['Ana'] } } }, 'no_psid'],
    expectBody: (i) => ({ recipient: { id: psid(i) }, messaging_type: 'UPDATE', message: { text: `Hi Person${i}, your order is on its way.` } }),
  },
];

let graph: GraphApiServer;
let secrets: SecretsManagerServer;
let queue: SqsServer;
let table: DynamoDbServer;
let output: string[] = [];

function lambdaContext(): Context {
  const deadline = Date.now() + 13_000;
  return { awsRequestId: 'r', functionName: 'delivery', getRemainingTimeInMillis: () => deadline - Date.now() } as unknown as Context;
}

beforeAll(async () => {
  graph = await GraphApiServer.start({ validToken: TOKEN });
  secrets = await SecretsManagerServer.start({ [SECRET_ARN]: JSON.stringify({ accessToken: TOKEN }) });
  queue = await SqsServer.start();
  table = await DynamoDbServer.start();
  for (const stream of [process.stdout, process.stderr]) {
    jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      output.push(String(chunk));
      return true;
    });
  }
});

afterAll(async () => {
  jest.restoreAllMocks();
  await Promise.all([graph.stop(), secrets.stop(), queue.stop(), table.stop()]);
});

describe.each(CASES)('the $channel channel', (c) => {
  let handler: Handler;

  beforeAll(() => {
    for (const key of ['WHATSAPP_PHONE_NUMBER_ID', 'MESSENGER_PAGE_ID', 'MESSENGER_PSID_ATTRIBUTE']) delete process.env[key];
    Object.assign(process.env, {
      CHANNEL: c.channel, ...c.env,
      AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'AKIDTESTONLY', AWS_SECRET_ACCESS_KEY: 'test-only', AWS_EC2_METADATA_DISABLED: 'true',
      TOKEN_SECRET_ARN: SECRET_ARN, AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url,
      JOB_QUEUE_URL: queue.urlOf('jobs'), DEAD_LETTER_QUEUE_URL: queue.urlOf('dead-letters'), AWS_ENDPOINT_URL_SQS: queue.endpoint,
      IDEMPOTENCY_TABLE_NAME: 'idempotency', AWS_ENDPOINT_URL_DYNAMODB: table.endpoint,
      GRAPH_API_BASE_URL: graph.baseUrl, REQUEST_TIMEOUT_MS: '1000', REPORT_TO_PINPOINT: 'false',
    });
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      handler = (require('../../lambda/handler') as typeof HandlerModule).handler as Handler;
    });
  });

  beforeEach(() => {
    graph.reset();
    queue.messages.length = 0;
    table.items.clear();
    output = [];
  });

  const event = (count: number, extra: Record<string, unknown> = {}) => pinpointEvent(count, { message: c.message, endpoints: extra });

  test('50 endpoints with mixed outcomes: transient ones retried, permanent ones not, every endpoint reported once', async () => {
    // GIVEN throttling, a 5xx, a hang and a permanent error
    graph.script(c.recipient(1), graphError(429, 4), { kind: 'accept' });
    graph.script(c.recipient(2), graphError(503), { kind: 'accept' });
    graph.script(c.recipient(3), { kind: 'hang' });
    graph.script(c.recipient(4), c.permanent[0]);
    // WHEN a batch of 50 arrives
    const response = await handler(event(50), lambdaContext());
    // THEN
    expect(Object.keys(response)).toHaveLength(50);
    const status = (i: number) => response[endpointId(i)].EventAttributes;
    expect(status(1)).toMatchObject({ status: 'delivered', attempts: '2' });
    expect(status(2)).toMatchObject({ status: 'delivered', attempts: '2' });
    expect(status(3)).toMatchObject({ status: 'failed', error_code: 'timeout' });
    expect(status(4)).toMatchObject({ status: 'failed', error_code: c.permanent[1], attempts: '1' });
    expect(graph.requestsFor(c.recipient(4))).toHaveLength(1);
    expect(Object.values(response).filter((r) => r.EventAttributes.status === 'delivered')).toHaveLength(48);
    for (const ids of graph.accepted.values()) expect(ids).toHaveLength(1);
    expect(queue.bodies<{ endpointId: string; channel: string }>('dead-letters').map((m) => [m.endpointId, m.channel])).toEqual([[endpointId(3), c.channel], [endpointId(4), c.channel]]);
  });

  test('requests follow the channel\'s contract, with the token as a bearer and the message rendered per endpoint', async () => {
    await handler(event(2), lambdaContext());
    const request = graph.requestsFor(c.recipient(1))[0];
    expect(request).toMatchObject({ method: 'POST', path: c.path, authorization: `Bearer ${TOKEN}` });
    expect(request.body).toEqual(c.expectBody(1));
  });

  test('an endpoint the channel cannot reach is skipped with the reason', async () => {
    const response = await handler(event(1, { unreachable: endpoint(60, c.unreachable[0]) }), lambdaContext());
    expect(response.unreachable.EventAttributes).toEqual({ status: 'skipped', reason: c.unreachable[1], attempts: '0' });
    expect(graph.requests).toHaveLength(1);
  });

  test('a repeated batch messages no one twice', async () => {
    await handler(event(3), lambdaContext());
    graph.reset();
    const again = await handler(event(3), lambdaContext());
    expect(graph.requests).toHaveLength(0);
    expect(Object.values(again).map((r) => r.EventAttributes.reason)).toEqual(Array(3).fill('already_delivered'));
  });

  test('Data that does not fit the channel is rejected whole, naming the problem', async () => {
    const wrong = c.channel === 'whatsapp' ? { message: { text: 'hi' } } : TEMPLATE_MESSAGE;
    const response = await handler(pinpointEvent(2, { message: wrong }), lambdaContext());
    expect(graph.requests).toHaveLength(0);
    expect(Object.values(response).map((r) => r.EventAttributes.error_code)).toEqual(['invalid_data', 'invalid_data']);
  });

  test('logs never hold a full recipient address or the token', async () => {
    graph.script(c.recipient(0), c.permanent[0]);
    await handler(event(3), lambdaContext());
    const text = output.join('');
    expect(text).not.toContain(TOKEN);
    for (let i = 0; i < 3; i += 1) expect(text).not.toContain(c.recipient(i));
    expect(text).toContain(`***${c.recipient(0).slice(-4)}`);
  });
});
