/**
 * The delivery function exactly as `cdk synth` bundles it, deployed for Amazon Connect
 * (TRIGGER=connect), in a separate Node process, answering an outbound campaign's batch of profiles
 * against the Graph API, Secrets Manager, SQS and DynamoDB stand-ins, in both delivery modes.
 */
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { parseDeliveryJob } from '../../lambda/contract';
import { CONNECT_TEMPLATE, connectEvent, customerData, profileId } from '../support/connect-events';
import { phoneNumber } from '../support/events';
import { DynamoDbServer } from './stand-ins/dynamodb-server';
import { runBundledFunction, synthesizedBundleDir } from './stand-ins/bundled-function';
import { graphError, GraphApiServer } from './stand-ins/graph-api-server';
import { SecretsManagerServer } from './stand-ins/secrets-manager-server';
import { SqsServer } from './stand-ins/sqs-server';

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:whatsapp/token-AbC123';
const TOKEN = 'test-token-connect-bundle-0123';

type Answer = { Items: { CustomerProfiles: { Id: string; ResultData: Record<string, string> }[] } };

let graph: GraphApiServer;
let secrets: SecretsManagerServer;
let sqs: SqsServer;
let table: DynamoDbServer;
let env: Record<string, string>;

beforeAll(async () => {
  graph = await GraphApiServer.start({ validToken: TOKEN, latencyMs: 20 });
  secrets = await SecretsManagerServer.start({ [SECRET_ARN]: JSON.stringify({ accessToken: TOKEN }) });
  sqs = await SqsServer.start();
  table = await DynamoDbServer.start();
  env = {
    TRIGGER: 'connect', CONNECT_MESSAGES: JSON.stringify({ '*': CONNECT_TEMPLATE }),
    TOKEN_SECRET_ARN: SECRET_ARN, WHATSAPP_PHONE_NUMBER_ID: '109876543210987', GRAPH_API_BASE_URL: graph.baseUrl, REQUEST_TIMEOUT_MS: '1000',
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url, AWS_ENDPOINT_URL_SQS: sqs.endpoint, JOB_QUEUE_URL: sqs.urlOf('jobs'), DEAD_LETTER_QUEUE_URL: sqs.urlOf('dead-letters'),
    IDEMPOTENCY_TABLE_NAME: 'idempotency', AWS_ENDPOINT_URL_DYNAMODB: table.endpoint,
  };
}, 60_000);

afterAll(async () => {
  await Promise.all([graph?.stop(), secrets?.stop(), sqs?.stop(), table?.stop()]);
});

beforeEach(() => {
  graph.reset();
  sqs.messages.length = 0;
});

describe('the bundled function with trigger=connect', () => {
  test('direct mode: 20 profiles delivered, retried or failed each as it should, and answered once each, in Connect\'s shape', async () => {
    // GIVEN a throttled number, a permanent error, a profile without a number and one whose CustomerData is not JSON
    graph.script(phoneNumber(1), graphError(429, 130429), { kind: 'accept' });
    graph.script(phoneNumber(2), graphError(400, 131026));
    const event = connectEvent(20);
    const profiles = (event.Items as { CustomerProfiles: Record<string, string>[] }).CustomerProfiles;
    profiles[3].CustomerData = JSON.stringify(customerData(3, { PhoneNumber: undefined }));
    profiles[4].CustomerData = 'not json';
    // WHEN the bundle handles it
    const run = await runBundledFunction(synthesizedBundleDir('pinpoint'), event, env);
    // THEN every profile has one entry, in order, keyed by its ProfileId
    expect(run.error).toBeUndefined();
    const answer = run.response as unknown as Answer;
    expect(answer.Items.CustomerProfiles.map((entry) => entry.Id)).toEqual(Array.from({ length: 20 }, (_, i) => profileId(i)));
    const result = (i: number) => answer.Items.CustomerProfiles[i].ResultData;
    expect(result(1)).toMatchObject({ status: 'delivered', attempts: '2' });
    expect(result(2)).toMatchObject({ status: 'failed', errorCode: '131026', retryable: 'false' });
    expect(result(3)).toMatchObject({ status: 'skipped', reason: 'no_address' });
    expect(result(4)).toMatchObject({ status: 'failed', errorCode: 'invalid_profile' });
    expect(answer.Items.CustomerProfiles.filter((entry) => entry.ResultData.status === 'delivered')).toHaveLength(17);
    // and each person got their own name; the permanent failure is in the dead-letter queue, flagged
    expect(graph.requestsFor(phoneNumber(7))[0].body).toMatchObject({ template: { components: [{ parameters: [{ text: 'Person7' }, { text: 'item 7' }] }] } });
    expect(sqs.messagesOf('dead-letters').map((m) => [JSON.parse(m.body).endpointId, m.attributes.permanent.StringValue])).toEqual([[profileId(2), 'true']]);
    for (const ids of graph.accepted.values()) expect(ids).toHaveLength(1);
    // and nothing it printed holds the token or a full number
    expect(run.output).not.toContain(TOKEN);
    for (let i = 0; i < 20; i += 1) expect(run.output).not.toContain(phoneNumber(i));
  }, 60_000);

  test('the same event again sends nothing twice: the duplicate check knows each profile by Connect\'s idempotency token', async () => {
    const event = connectEvent(3, { offset: 40 });
    await runBundledFunction(synthesizedBundleDir('pinpoint'), event, env);
    graph.reset();
    const again = await runBundledFunction(synthesizedBundleDir('pinpoint'), event, env);
    expect(graph.requests).toHaveLength(0);
    expect((again.response as unknown as Answer).Items.CustomerProfiles.map((entry) => entry.ResultData.reason)).toEqual(Array(3).fill('already_delivered'));
  }, 60_000);

  test('queued mode: every profile is checked, rendered and put on the job queue as a job of the contract, and answered queued', async () => {
    // WHEN the bundle handles a batch in queued mode
    const run = await runBundledFunction(synthesizedBundleDir('pinpoint'), connectEvent(3, { offset: 60 }), { ...env, DELIVERY_MODE: 'queued' });
    // THEN nothing was sent, and one valid job per profile waits, rendered for its person
    expect(graph.requests).toHaveLength(0);
    expect((run.response as unknown as Answer).Items.CustomerProfiles.map((entry) => entry.ResultData.status)).toEqual(['queued', 'queued', 'queued']);
    const client = new SQSClient({ endpoint: sqs.endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'AKIDTESTONLY', secretAccessKey: 'test-only' } });
    try {
      const { Messages = [] } = await client.send(new ReceiveMessageCommand({ QueueUrl: sqs.urlOf('jobs'), MaxNumberOfMessages: 10 }));
      const jobs = Messages.map((m) => parseDeliveryJob(m.Body!));
      expect(jobs.map((j) => j.ok && [j.job.endpointId, j.job.recipient])).toEqual([60, 61, 62].map((i) => [profileId(i), phoneNumber(i)]));
      expect(jobs[0].ok && jobs[0].job.message).toMatchObject({ template: { components: [{ parameters: [{ text: 'Person60' }, { text: 'item 60' }] }] } });
    } finally {
      client.destroy();
    }
  }, 60_000);
});
