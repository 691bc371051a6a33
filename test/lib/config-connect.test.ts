/** The Amazon Connect trigger's context keys: what synth accepts, and the one line it prints for what it refuses. */
import { ConfigError, parseConfig } from '../../lib/config';
import { CONFIG_NOW, contextLookup } from '../helpers';

const INSTANCE_ARN = 'arn:aws:connect:eu-west-1:111122223333:instance/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d';
const CONNECT = { trigger: 'connect', connectInstanceArn: INSTANCE_ARN };
const TEMPLATE = { type: 'template', template: { name: 'reminder', language: { code: 'en_US' }, components: [{ type: 'body', parameters: [{ type: 'text', text: '{{Profile.FirstName}}' }] }] } };

const configWith = (overrides: Record<string, unknown>) => parseConfig(contextLookup(overrides), CONFIG_NOW);

function problemFor(overrides: Record<string, unknown>): string {
  try {
    configWith(overrides);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(overrides)}`);
}

describe('trigger=connect', () => {
  test('needs only the instance ARN: every campaign then sends the channel\'s sample, and no Pinpoint stack is made', () => {
    const config = configWith(CONNECT);
    expect(config).toMatchObject({ trigger: 'connect', pinpoint: undefined });
    expect(config.connect).toEqual({
      instanceArn: INSTANCE_ARN, campaignArn: undefined, invokePrincipal: 'connect-campaigns.amazonaws.com',
      messages: { '*': { type: 'template', template: { name: 'hello_world', language: { code: 'en_US' } } } },
      phoneFields: ['PhoneNumber', 'MobilePhoneNumber', 'HomePhoneNumber', 'BusinessPhoneNumber'],
    });
  });

  test('campaignMessage is the one message of every campaign; connectMessages maps campaigns (by id or name) to their own', () => {
    expect(configWith({ ...CONNECT, campaignMessage: TEMPLATE }).connect?.messages).toEqual({ '*': TEMPLATE });
    const map = { 'Spring reminder': TEMPLATE, '*': TEMPLATE };
    expect(configWith({ ...CONNECT, connectMessages: JSON.stringify(map) }).connect?.messages).toEqual(map);
  });

  test('phone fields come as a list or comma-separated, and one campaign\'s ARN narrows the permission', () => {
    const campaignArn = 'arn:aws:connect-campaigns:eu-west-1:111122223333:campaign/5f6a7b8c-9d0e-1f2a-3b4c-5d6e7f8a9b0c';
    expect(configWith({ ...CONNECT, connectPhoneFields: 'MobilePhoneNumber, PhoneNumber', connectCampaignArn: campaignArn }).connect)
      .toMatchObject({ phoneFields: ['MobilePhoneNumber', 'PhoneNumber'], campaignArn });
  });

  test.each([
    [{ trigger: 'connect' }, 'Invalid context value for "connectInstanceArn": expected the ARN of your Amazon Connect instance'],
    [{ ...CONNECT, connectInstanceArn: 'arn:aws:connect:eu-west-1:111122223333:instance' }, 'Invalid context value for "connectInstanceArn"'],
    [{ ...CONNECT, connectCampaignArn: 'arn:aws:connect-campaigns:us-east-1:111122223333:campaign/abc' }, 'a campaign in the instance\'s Region eu-west-1 and account 111122223333'],
    [{ ...CONNECT, channel: 'metrics' }, 'Invalid context value for "trigger": expected pinpoint, because the metrics channel counts Pinpoint endpoints only'],
    [{ ...CONNECT, campaignMessage: { type: 'text', text: { body: 'Hi {{User.UserAttributes.FirstName}}' } } },
      'it uses unsupported placeholders {{User.UserAttributes.FirstName}}; use {{Profile.FIELD}}'],
    [{ ...CONNECT, connectMessages: { Spring: { text: { body: 'no type' } } } }, 'it has a message for "Spring" that has no "type"'],
    [{ ...CONNECT, connectMessages: '{"a":' }, 'it is not valid JSON'],
    [{ ...CONNECT, connectMessages: { big: { type: 'text', text: { body: 'x'.repeat(3100) } } } }, 'messages of at most 3000 bytes in all'],
    [{ ...CONNECT, connectPhoneFields: 'Phone Number' }, 'Invalid context value for "connectPhoneFields"'],
    [{ ...CONNECT, connectInvokePrincipal: 'connect campaigns' }, 'Invalid context value for "connectInvokePrincipal"'],
    [{ trigger: 'sqs' }, 'Invalid context value for "trigger": expected one of pinpoint, connect'],
    [{ connectInstanceArn: INSTANCE_ARN }, 'Invalid context value for "connectInstanceArn": expected nothing unless trigger is connect'],
  ])('refuses %j in one line that names the key', (overrides, message) => {
    const problem = problemFor(overrides);
    expect(problem).toContain(message);
    expect(problem.split('\n')).toHaveLength(1);
  });
});
