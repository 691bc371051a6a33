import { endpoint, endpointId, phoneNumber, pinpointEvent, psid } from '../support/events';
import { runBundledFunction, synthesizedBundleDir } from './stand-ins/bundled-function';
import { graphError, GraphApiServer } from './stand-ins/graph-api-server';
import { SecretsManagerServer } from './stand-ins/secrets-manager-server';
import { SqsServer } from './stand-ins/sqs-server';
import { DynamoDbServer } from './stand-ins/dynamodb-server';

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:whatsapp/token-AbC123';
const TOKEN = 'test-token-bundle-0123456789';

let graph: GraphApiServer;
let secrets: SecretsManagerServer;
let queue: SqsServer;
let table: DynamoDbServer;
let bundleDir: string;
let env: Record<string, string>;

beforeAll(async () => {
  bundleDir = synthesizedBundleDir();
  graph = await GraphApiServer.start({ validToken: TOKEN, latencyMs: 50 });
  secrets = await SecretsManagerServer.start({ [SECRET_ARN]: JSON.stringify({ accessToken: TOKEN }) });
  queue = await SqsServer.start();
  table = await DynamoDbServer.start();
  env = {
    TOKEN_SECRET_ARN: SECRET_ARN,
    WHATSAPP_PHONE_NUMBER_ID: '109876543210987',
    GRAPH_API_BASE_URL: graph.baseUrl,
    REQUEST_TIMEOUT_MS: '1000',
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url,
    AWS_ENDPOINT_URL_SQS: queue.endpoint,
    JOB_QUEUE_URL: queue.urlOf('jobs'),
    DEAD_LETTER_QUEUE_URL: queue.urlOf('dead-letters'),
    IDEMPOTENCY_TABLE_NAME: 'idempotency',
    AWS_ENDPOINT_URL_DYNAMODB: table.endpoint,
  };
});

afterAll(async () => {
  await graph?.stop();
  await secrets?.stop();
  await queue?.stop();
  await table?.stop();
});

describe('the bundled function (as cdk synth writes it)', () => {
  test('delivers a 50-endpoint batch within the deadline, retries what is transient, not what is permanent, and reports every endpoint', async () => {
    // GIVEN a provider that throttles one number, fails one with 503, hangs on one and rejects one permanently
    graph.script(phoneNumber(10), graphError(429, 130429), { kind: 'accept' });
    graph.script(phoneNumber(11), graphError(503), { kind: 'accept' });
    graph.script(phoneNumber(12), { kind: 'hang' });
    graph.script(phoneNumber(13), graphError(400, 131047));

    // WHEN the bundle handles a batch of 50
    const run = await runBundledFunction(bundleDir, pinpointEvent(50), env);

    // THEN every endpoint is reported
    expect(run.error).toBeUndefined();
    const statuses = Object.fromEntries(Object.entries(run.response!).map(([id, r]) => [id, r.EventAttributes]));
    expect(Object.keys(statuses)).toHaveLength(50);
    expect(statuses[endpointId(10)]).toMatchObject({ status: 'delivered', attempts: '2' });
    expect(statuses[endpointId(11)]).toMatchObject({ status: 'delivered', attempts: '2' });
    expect(statuses[endpointId(12)]).toMatchObject({ status: 'failed', error_code: 'timeout' });
    expect(statuses[endpointId(13)]).toMatchObject({ status: 'failed', error_code: '131047', attempts: '1' });
    expect(Object.values(statuses).filter((s) => s.status === 'delivered')).toHaveLength(48);
    expect(graph.requestsFor(phoneNumber(13))).toHaveLength(1);
    // well within Pinpoint's 15-second wait
    expect(run.elapsedMs).toBeLessThan(13_000);
    // the two failures are in the dead-letter queue, flagged uncertain and permanent, for the redrive to tell apart
    expect(queue.messagesOf('dead-letters').map((m) => [JSON.parse(m.body).endpointId, m.attributes.uncertain.StringValue, m.attributes.permanent.StringValue]))
      .toEqual([[endpointId(12), 'true', 'false'], [endpointId(13), 'false', 'true']]);
    // every delivered endpoint is remembered, and so is the unanswered one (it may have arrived),
    // so a repeated batch would not message anyone twice; the permanent failure is forgotten
    expect(table.statuses()).toEqual({ COMPLETED: 49 });
    // the token came through the standard endpoint override, once
    expect(secrets.calls).toEqual([{ target: 'secretsmanager.GetSecretValue', secretId: SECRET_ARN }]);
    // and nothing it printed holds the token or a full number
    expect(run.output).not.toContain(TOKEN);
    for (let i = 0; i < 50; i += 1) expect(run.output).not.toContain(phoneNumber(i));
  });

  test('as the Messenger channel, it delivers to each PSID and skips endpoints without one', async () => {
    graph.reset();
    const { WHATSAPP_PHONE_NUMBER_ID: _unused, ...common } = env;
    // Another campaign activity: the same endpoints were delivered in the first test, and the table remembers it.
    const event = {
      ...pinpointEvent(20, {
        message: { message: { text: 'Hi {{User.UserAttributes.FirstName}}' } },
        endpoints: { nopsid: endpoint(70, { User: { UserId: 'u70' } }) },
      }),
      ActivityId: 'messenger-activity',
    };
    const run = await runBundledFunction(bundleDir, event, { ...common, CHANNEL: 'messenger' });
    expect(run.error).toBeUndefined();
    expect(Object.values(run.response!).filter((r) => r.EventAttributes.status === 'delivered')).toHaveLength(20);
    expect(run.response!.nopsid.EventAttributes).toMatchObject({ status: 'skipped', reason: 'no_psid' });
    expect(graph.requestsFor(psid(3))[0]).toMatchObject({ path: '/v25.0/me/messages', body: { recipient: { id: psid(3) }, messaging_type: 'UPDATE', message: { text: 'Hi Person3' } } });
  });

  test('as the metrics channel, it needs nothing but CHANNEL and prints one EMF line', async () => {
    graph.reset();
    const run = await runBundledFunction(bundleDir, pinpointEvent(5), { CHANNEL: 'metrics' });
    expect(Object.values(run.response!).map((r) => r.EventAttributes.status)).toEqual(Array(5).fill('counted'));
    const emf = run.output.split('\n').filter((line) => line.includes('"_aws"'));
    expect(emf).toHaveLength(1);
    expect(JSON.parse(emf[0])).toMatchObject({ EndpointCount: 5, CustomCount: 5 });
    expect(graph.requests).toHaveLength(0);
  });

  test('without WHATSAPP_PHONE_NUMBER_ID it refuses with a ConfigurationError and sends nothing', async () => {
    graph.reset();
    const { WHATSAPP_PHONE_NUMBER_ID: _omitted, ...unconfigured } = env;
    const run = await runBundledFunction(bundleDir, pinpointEvent(2), unconfigured);
    expect(run.error).toMatchObject({ name: 'ConfigurationError', message: expect.stringContaining('WHATSAPP_PHONE_NUMBER_ID is not set') });
    expect(graph.requests).toHaveLength(0);
  });
});
