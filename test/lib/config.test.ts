import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { checkContextKeys, ConfigError, CONTEXT_KEYS, parseConfig } from '../../lib/config';
import { CDK_JSON_CONTEXT, CONFIG_NOW, contextLookup } from '../helpers';

function configWith(overrides: Record<string, unknown>) {
  return parseConfig(contextLookup(overrides), CONFIG_NOW);
}

function errorFor(overrides: Record<string, unknown>): ConfigError {
  try {
    configWith(overrides);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(overrides)}`);
}

describe('parseConfig', () => {
  test('cdk.json holds a working default configuration', () => {
    // GIVEN cdk.json as shipped; WHEN parsed
    const config = configWith({});
    // THEN every default is usable without an AWS account
    expect(config).toEqual({
      stackNamePrefix: 'PinpointCustomChannel',
      complianceChecks: false,
      tokenSecret: { existingSecretArn: undefined, kmsKeyArn: undefined },
      channel: { kind: 'whatsapp', api: 'graph', phoneNumberId: undefined, graphApiVersion: 'v25.0', graphApiBaseUrl: 'https://graph.facebook.com' },
      logRetention: RetentionDays.ONE_MONTH,
      delivery: { concurrency: 50, idempotency: true, mode: 'direct', messagesPerSecond: 80, workerConcurrency: 2 },
      alarms: { email: undefined, failedDeliveriesThreshold: 5 },
      trigger: 'pinpoint',
      connect: undefined,
      pinpoint: {
        existingProjectId: undefined,
        endpointTypes: ['CUSTOM'],
        messageData: '{"type":"template","template":{"name":"hello_world","language":{"code":"en_US"}}}',
        paused: true,
        schedule: { startTime: 'IMMEDIATE', frequency: 'ONCE', endTime: undefined },
        invokePermissionScope: 'project',
      },
    });
  });

  test('-c values arrive as strings and are converted', () => {
    const config = configWith({
      pinpointEnabled: 'true', campaignPaused: 'false', whatsappPhoneNumberId: '109876543210987', logRetentionDays: '7', endpointTypes: '["CUSTOM","SMS"]',
      campaignMessage: '{"type":"text","text":{"body":"Hi {{User.UserAttributes.FirstName}}"}}',
    });
    expect(config.pinpoint?.paused).toBe(false);
    expect(config.logRetention).toBe(RetentionDays.ONE_WEEK);
    expect(config.pinpoint?.endpointTypes).toEqual(['CUSTOM', 'SMS']);
    expect(JSON.parse(config.pinpoint!.messageData)).toEqual({ type: 'text', text: { body: 'Hi {{User.UserAttributes.FirstName}}' } });
  });

  test('an empty campaignMessage is the channel\'s own sample, which the channel accepts', () => {
    expect(JSON.parse(configWith({ channel: 'messenger' }).pinpoint!.messageData)).toEqual({ messaging_type: 'UPDATE', message: { text: 'Hello from our Pinpoint campaign.' } });
    expect(JSON.parse(configWith({ channel: 'metrics' }).pinpoint!.messageData)).toMatchObject({ note: expect.any(String) });
  });

  test('channel=messenger reads the page and the PSID attribute', () => {
    expect(configWith({ channel: 'messenger', messengerPageId: '1122334455', messengerPsidAttribute: 'psid' }).channel).toEqual({
      kind: 'messenger', pageId: '1122334455', psidAttribute: 'psid', graphApiVersion: 'v25.0', graphApiBaseUrl: 'https://graph.facebook.com',
    });
  });

  test('channel=metrics needs no provider settings', () => {
    expect(configWith({ channel: 'metrics', whatsappPhoneNumberId: 'not checked' }).channel).toEqual({ kind: 'metrics' });
  });

  test('pinpointEnabled=false leaves the Pinpoint settings out', () => {
    expect(configWith({ pinpointEnabled: false }).pinpoint).toBeUndefined();
  });

  test.each([
    [{ tokenSecretArn: 'my-secret' }, 'tokenSecretArn', 'complete ARN'],
    [{ tokenSecretArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:token' }, 'tokenSecretArn', '6 characters'],
    [{ tokenSecretArn: 'arn:aws:s3:::bucket' }, 'tokenSecretArn', 'secretsmanager'],
    [{ tokenSecretKmsKeyArn: 'alias/my-key' }, 'tokenSecretKmsKeyArn', 'ARN of a KMS key'],
    [{ pinpointProjectId: 'my-project' }, 'pinpointProjectId', '32-character'],
    [{ whatsappPhoneNumberId: '+1 555 0100' }, 'whatsappPhoneNumberId', 'numeric'],
    [{ graphApiVersion: '25' }, 'graphApiVersion', 'v25.0'],
    [{ graphApiBaseUrl: 'http://graph.facebook.com' }, 'graphApiBaseUrl', 'https://'],
    [{ graphApiBaseUrl: 'https://graph.facebook.com/v25.0' }, 'graphApiBaseUrl', 'without a path'],
    [{ endpointTypes: 'CUSTOM,WHATSAPP' }, 'endpointTypes', 'CUSTOM'],
    [{ endpointTypes: [] }, 'endpointTypes', 'non-empty'],
    [{ endpointTypes: '[CUSTOM' }, 'endpointTypes', 'JSON array'],
    [{ campaignMessage: '{"type":' }, 'campaignMessage', 'not valid JSON'],
    [{ campaignMessage: '["template"]' }, 'campaignMessage', 'not a JSON object'],
    [{ campaignMessage: { template: { name: 'x' } } }, 'campaignMessage', 'no "type"'],
    [{ campaignMessage: { type: 'text', text: { body: 'x'.repeat(5200) } } }, 'campaignMessage', '5120-byte'],
    [{ channel: 'sms' }, 'channel', 'whatsapp, messenger, metrics'],
    [{ channel: 'messenger', campaignMessage: { type: 'text', text: { body: 'hi' } } }, 'campaignMessage', 'no "message" object'],
    [{ channel: 'messenger', campaignMessage: { messaging_type: 'PROMO', message: { text: 'hi' } } }, 'campaignMessage', 'messaging_type "PROMO"'],
    [{ campaignMessage: { type: 'text', text: { body: 'Hi {{FirstName}}' } } }, 'campaignMessage', 'unsupported placeholders {{FirstName}}'],
    [{ campaignMessage: { type: 'text', text: { body: 'hi' }, to: '15550100000' } }, 'campaignMessage', 'sets to'],
    [{ channel: 'messenger', messengerPageId: 'my-page' }, 'messengerPageId', 'numeric id of the Facebook Page'],
    [{ channel: 'messenger', messengerPsidAttribute: 'has space' }, 'messengerPsidAttribute', 'user attribute'],
    [{ campaignPaused: 'yes' }, 'campaignPaused', 'true or false'],
    [{ pinpointEnabled: 1 }, 'pinpointEnabled', 'true or false'],
    [{ complianceChecks: 'on' }, 'complianceChecks', 'true or false'],
    [{ logRetentionDays: 10 }, 'logRetentionDays', 'retention in days'],
    [{ deliveryConcurrency: 0 }, 'deliveryConcurrency', 'from 1 to 50'],
    [{ idempotency: 'off' }, 'idempotency', 'true or false'],
    [{ alarmEmail: 'ops at example' }, 'alarmEmail', 'email address'],
    [{ failedDeliveriesAlarmThreshold: 0 }, 'failedDeliveriesAlarmThreshold', 'whole number from 1'],
    [{ deliveryConcurrency: '51' }, 'deliveryConcurrency', 'from 1 to 50'],
    [{ deliveryConcurrency: 2.5 }, 'deliveryConcurrency', 'whole number'],
    [{ campaignFrequency: 'YEARLY' }, 'campaignFrequency', 'ONCE, HOURLY'],
    [{ campaignStartTime: 'tomorrow' }, 'campaignStartTime', 'IMMEDIATE or an ISO 8601'],
    [{ campaignStartTime: '2027-13-45T09:00:00Z' }, 'campaignStartTime', 'valid ISO 8601'],
    [{ campaignFrequency: 'DAILY', campaignStartTime: '2027-01-04T09:00:00Z' }, 'campaignEndTime', 'campaignFrequency is DAILY'],
    [{ campaignFrequency: 'DAILY', campaignEndTime: '2027-01-04T09:00:00Z' }, 'campaignStartTime', 'campaignFrequency is DAILY'],
    [{ campaignStartTime: '2027-01-04T09:00:00Z', campaignEndTime: '2027-01-03T09:00:00Z' }, 'campaignEndTime', 'after campaignStartTime'],
    [{ invokePermissionScope: 'account' }, 'invokePermissionScope', 'project, campaign'],
    [{ stackNamePrefix: '1-bad_name' }, 'stackNamePrefix', 'stack name prefix'],
    [{ campaignStartTime: '2027-02-30T09:00:00Z' }, 'campaignStartTime', 'on a day and at a time that exist'],
    [{ campaignStartTime: '2027-01-04T24:30:00Z' }, 'campaignStartTime', 'on a day and at a time that exist'],
    [{ campaignStartTime: '2020-01-01T09:00:00Z' }, 'campaignStartTime', 'in the future (it is 2026-11-01T00:00:00.000Z now)'],
    [{ campaignEndTime: '2026-10-01T09:00:00Z' }, 'campaignEndTime', 'in the future'],
    [{ graphApiBaseUrl: 'https://user:pw@proxy.example.com' }, 'graphApiBaseUrl', 'user name or password'],
    [{ campaignMessage: { type: 'text', text: { __proto__: null, constructor: { a: 1 } } } }, 'campaignMessage', 'Data.text.constructor is a forbidden key'],
    [{ campaignMessage: '{"type":"text","text":{"__proto__":{"polluted":true}}}' }, 'campaignMessage', 'Data.text.__proto__ is a forbidden key'],
    [{ campaignMessage: `{"type":"text","text":${'['.repeat(2500)}${']'.repeat(2500)}}` }, 'campaignMessage', 'nested more than 32 levels deep'],
    [{ campaignPaused: false }, 'whatsappPhoneNumberId', 'because campaignPaused is false'],
    [{ deliveryMode: 'batch' }, 'deliveryMode', 'one of direct, queued'],
    [{ messagesPerSecond: 0 }, 'messagesPerSecond', 'a whole number from 1 to 1000'],
    [{ messagesPerSecond: '1001' }, 'messagesPerSecond', 'a whole number from 1 to 1000'],
    [{ workerConcurrency: 1 }, 'workerConcurrency', 'a whole number from 2 to 1000'],
  ])('rejects %j naming %s and the expected form', (overrides, key, expected) => {
    // GIVEN a malformed value; WHEN parsed
    const error = errorFor(overrides);
    // THEN the error names the key and what it should look like
    expect(error.key).toBe(key);
    expect(error.message).toContain(`"${key}"`);
    expect(error.message).toContain(expected);
    expect(error.message).toContain(`-c ${key}=`);
  });

  test('a URL\'s password is not repeated in the error', () => {
    expect(errorFor({ graphApiBaseUrl: 'https://user:s3cret@proxy.example.com' }).message).not.toContain('s3cret');
  });

  test('a paused campaign, or no campaign, may go without a phone number id; a resumed one with it is fine', () => {
    expect(configWith({ campaignPaused: true }).channel).toMatchObject({ kind: 'whatsapp', phoneNumberId: undefined });
    expect(configWith({ pinpointEnabled: false, campaignPaused: false }).pinpoint).toBeUndefined();
    expect(configWith({ campaignPaused: false, whatsappPhoneNumberId: '109876543210987' }).pinpoint?.paused).toBe(false);
  });

  test.each([['chanel', 'channel'], ['whatsappPhoneNumber', 'whatsappPhoneNumberId'], ['CampaignPaused', 'campaignPaused']])(
    'an unknown context key %s is refused, naming %s', (key, closest) => {
      expect(() => checkContextKeys(['channel', key])).toThrow(`Unknown context key "${key}": did you mean "${closest}"?`);
    });

  test('CDK\'s own keys and every key in cdk.json pass the key check', () => {
    expect(() => checkContextKeys([...Object.keys(CDK_JSON_CONTEXT), '@aws-cdk/core:newStyleStackSynthesis', 'aws:cdk:enable-path-metadata',
      'availability-zones:account=111122223333:region=eu-west-1'])).not.toThrow();
    expect(Object.keys(CDK_JSON_CONTEXT).filter((key) => !/[@:/]/.test(key)).sort()).toEqual([...CONTEXT_KEYS].sort());
  });

  test('a long rejected value is shortened in the message', () => {
    const error = errorFor({ campaignMessage: `{"text":"${'x'.repeat(500)}"}` });
    expect(error.message.length).toBeLessThan(500);
  });
});
