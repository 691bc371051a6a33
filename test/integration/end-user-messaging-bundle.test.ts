/**
 * The delivery function exactly as `cdk synth` bundles it, configured for WhatsApp through AWS End
 * User Messaging Social (WHATSAPP_API=aws), in a separate Node process, against the stand-ins: it
 * reads no token, and sends each endpoint's message through SendWhatsAppMessage.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { endpointId, phoneNumber, pinpointEvent } from '../support/events';
import { connectEvent } from '../support/connect-events';
import { DynamoDbServer } from './stand-ins/dynamodb-server';
import { BUNDLE_FILE, runBundledFunction, synthesizedBundleDir } from './stand-ins/bundled-function';
import { SecretsManagerServer } from './stand-ins/secrets-manager-server';
import { SocialMessagingServer } from './stand-ins/social-messaging-server';
import { SqsServer } from './stand-ins/sqs-server';

const NUMBER = 'phone-number-id-0123456789abcdef0123456789abcdef';

let social: SocialMessagingServer;
let secrets: SecretsManagerServer;
let sqs: SqsServer;
let table: DynamoDbServer;
let env: Record<string, string>;
/** The function's bundle as synth writes it for an End User Messaging Social deployment. */
const bundle = () => synthesizedBundleDir('pinpoint', { whatsappApi: 'aws', whatsappOriginationPhoneNumberId: NUMBER });

beforeAll(async () => {
  social = await SocialMessagingServer.start();
  secrets = await SecretsManagerServer.start({});
  sqs = await SqsServer.start();
  table = await DynamoDbServer.start();
  env = {
    WHATSAPP_API: 'aws', WHATSAPP_ORIGINATION_PHONE_NUMBER_ID: NUMBER, GRAPH_API_VERSION: 'v25.0', REQUEST_TIMEOUT_MS: '2000',
    AWS_ENDPOINT_URL_SOCIALMESSAGING: social.endpoint, AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url, AWS_ENDPOINT_URL_SQS: sqs.endpoint,
    JOB_QUEUE_URL: sqs.urlOf('jobs'), DEAD_LETTER_QUEUE_URL: sqs.urlOf('dead-letters'), IDEMPOTENCY_TABLE_NAME: 'idempotency', AWS_ENDPOINT_URL_DYNAMODB: table.endpoint,
  };
}, 60_000);

afterAll(async () => {
  await Promise.all([social?.stop(), secrets?.stop(), sqs?.stop(), table?.stop()]);
});

beforeEach(() => {
  social.reset();
  sqs.messages.length = 0;
});

describe('the bundled function with whatsappApi=aws', () => {
  test('carries End User Messaging Social\'s client itself, like every other client it uses', () => {
    const code = fs.readFileSync(path.join(bundle(), BUNDLE_FILE), 'utf8');
    // (a module left out is loaded by name: `require("…")`, minified to `x("…")`, or `from"…"`)
    expect(code).not.toMatch(/(\w\(|from ?|import\()"@aws-sdk\/client-[a-z-]+"/);
    expect(code).toContain('/v1/whatsapp/send');
  }, 60_000);

  test('a Pinpoint batch: no Secrets Manager call; each endpoint\'s own message through SendWhatsAppMessage; errors handled as mapped', async () => {
    // GIVEN a throttled number (retried), a refused message (permanent) and a missing number (the deployment's fault)
    social.script(`+${phoneNumber(1)}`, 'ThrottledRequestException');
    social.script(`+${phoneNumber(2)}`, 'ValidationException');
    // WHEN the bundle handles a batch of 10
    const run = await runBundledFunction(bundle(), pinpointEvent(10), env);
    // THEN
    expect(run.error).toBeUndefined();
    expect(secrets.calls).toEqual([]);
    const status = (i: number) => run.response![endpointId(i)].EventAttributes;
    expect(status(0)).toMatchObject({ status: 'delivered', message_id: expect.stringMatching(/^msg-/), attempts: '1' });
    expect(status(1)).toMatchObject({ status: 'delivered', attempts: '2' });
    expect(status(2)).toMatchObject({ status: 'failed', error_code: 'ValidationException', retryable: 'false' });
    const sent = social.requests.find((r) => r.message.to === `+${phoneNumber(3)}`)!;
    expect(sent).toMatchObject({
      originationPhoneNumberId: NUMBER, metaApiVersion: 'v25.0', authorization: expect.stringMatching(/^AWS4-HMAC-SHA256 /),
      message: { messaging_product: 'whatsapp', recipient_type: 'individual', type: 'template', template: { components: [{ parameters: [{ text: 'Person3' }, { text: 'item 3' }] }] } },
    });
    // and nothing it printed holds a full number
    for (let i = 0; i < 10; i += 1) expect(run.output).not.toContain(phoneNumber(i));
  }, 60_000);

  test('permission refused: every endpoint fails as a configuration problem, logged once, kept to resend after the fix', async () => {
    for (let i = 20; i < 23; i += 1) social.script(`+${phoneNumber(i)}`, 'AccessDeniedException');
    const run = await runBundledFunction(bundle(), pinpointEvent(3, { offset: 20 }), env);
    expect(Object.values(run.response!).map((r) => [r.EventAttributes.status, r.EventAttributes.error_code])).toEqual(Array(3).fill(['retrying', 'AccessDeniedException']));
    expect(run.output.split('\n').filter((line) => line.includes('"level":"ERROR"') && line.includes('AccessDeniedException'))).toHaveLength(1);
  }, 60_000);

  test('a Connect batch goes the same way: the provider does not depend on the trigger', async () => {
    const run = await runBundledFunction(bundle(), connectEvent(2, { offset: 30 }), {
      ...env, TRIGGER: 'connect', CONNECT_MESSAGES: JSON.stringify({ '*': { type: 'text', text: { body: 'Hi {{Profile.FirstName}}' } } }),
    });
    expect((run.response as unknown as { Items: { CustomerProfiles: { ResultData: { status: string } }[] } }).Items.CustomerProfiles.map((p) => p.ResultData.status))
      .toEqual(['delivered', 'delivered']);
    // (sent concurrently: in either order)
    const sent = social.requests.map((r) => r.message).sort((a, b) => String(a.to).localeCompare(String(b.to)));
    expect(sent).toEqual([30, 31].map((i) => expect.objectContaining({ to: `+${phoneNumber(i)}`, text: { body: `Hi Person${i}` } })));
    expect(secrets.calls).toEqual([]);
  }, 60_000);
});
