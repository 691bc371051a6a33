/**
 * The End User Messaging Social provider with the real AWS SDK against a local SendWhatsAppMessage
 * stand-in (AWS_ENDPOINT_URL_SOCIALMESSAGING): what it sends, and how each of the operation's errors
 * is classified.
 */
import type { SendOutcome } from '../../lambda/domain';
import { createProvider } from '../../lambda/providers';
import { type SocialError, SocialMessagingServer } from './stand-ins/social-messaging-server';

const ORIGIN = 'phone-number-id-0123456789abcdef0123456789abcdef';
const MESSAGE = { type: 'template', template: { name: 'hello_world', language: { code: 'en_US' } } };
let server: SocialMessagingServer;

beforeAll(async () => {
  server = await SocialMessagingServer.start();
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SOCIALMESSAGING: server.endpoint, AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'AKIDTESTONLY', AWS_SECRET_ACCESS_KEY: 'test-only',
    AWS_EC2_METADATA_DISABLED: 'true',
  });
});

afterAll(async () => {
  await server.stop();
});

beforeEach(() => server.reset());

const provider = () => createProvider({ channel: 'whatsapp', api: 'aws', originationPhoneNumberId: ORIGIN, metaApiVersion: 'v25.0' });
const send = (recipient = '15550100042'): Promise<SendOutcome> => provider().send({ recipient, message: MESSAGE, token: '', signal: AbortSignal.timeout(5000) });

describe('EndUserMessagingWhatsAppProvider', () => {
  test('sends the Cloud API message as the blob, from the origination number, with the Meta API version, signed by IAM', async () => {
    const outcome = await send();
    expect(outcome).toEqual({ ok: true, messageId: expect.stringMatching(/^msg-/) });
    expect(server.requests).toEqual([{
      originationPhoneNumberId: ORIGIN, metaApiVersion: 'v25.0', authorization: expect.stringMatching(/^AWS4-HMAC-SHA256 Credential=AKIDTESTONLY\//),
      message: { ...MESSAGE, messaging_product: 'whatsapp', recipient_type: 'individual', to: '+15550100042' },
    }]);
  });

  test('the message cannot set its own recipient: the endpoint\'s fields go last', async () => {
    await provider().send({ recipient: '15550100042', message: { ...MESSAGE, to: '+19990000000' }, token: '', signal: AbortSignal.timeout(5000) });
    expect(server.requests[0].message.to).toBe('+15550100042');
  });

  test.each<[SocialError, string, boolean]>([
    ['ThrottledRequestException', 'retry', true],
    ['InternalServiceException', 'retry', false],
    ['DependencyException', 'retry', false],
    ['ValidationException', 'permanent', false],
    ['InvalidParametersException', 'permanent', false],
    ['ResourceNotFoundException', 'configuration', false],
    ['AccessDeniedException', 'configuration', false],
    ['AccessDeniedByMetaException', 'configuration', false],
  ])('%s is %s (throttled: %s), and surely not sent', async (error, disposition, throttled) => {
    server.script('+15550100042', error);
    expect(await send()).toMatchObject({ ok: false, disposition, throttled, errorCode: error, mayHaveBeenSent: false });
  });

  test('a request that is not answered in time may have been accepted: deferred as uncertain', async () => {
    server.latencyMs = 1000;
    const outcome = await provider().send({ recipient: '15550100042', message: MESSAGE, token: '', signal: AbortSignal.timeout(200) });
    expect(outcome).toMatchObject({ ok: false, disposition: 'defer', errorCode: 'timeout', mayHaveBeenSent: true });
  });
});
