/** whatsappApi=aws: WhatsApp through AWS End User Messaging Social, authorised by IAM, with no token secret. */
import { Template } from 'aws-cdk-lib/assertions';
import { ConfigError, parseConfig } from '../../lib/config';
import { buildApp, CONFIG_NOW, contextLookup, pinpointFunction, roleStatements } from '../helpers';

const NUMBER = 'phone-number-id-0123456789abcdef0123456789abcdef';
const AWS_API = { whatsappApi: 'aws', whatsappOriginationPhoneNumberId: NUMBER };
type Statement = { Sid?: string; Action: string | string[]; Resource: unknown };

const arn = (resourceName: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':social-messaging:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:phone-number-id/${resourceName}`]] });

describe('whatsappApi=aws', () => {
  const { delivery } = buildApp(AWS_API);
  const template = Template.fromStack(delivery);

  test('no token secret is created, and no function is told of one', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
      expect(fn.Properties.Environment.Variables.TOKEN_SECRET_ARN).toBeUndefined();
    }
    expect(Object.keys(template.toJSON().Outputs)).not.toContain('TokenSecretArn');
  });

  test.each(['DeliveryExecutionRole', 'JobsWorkerExecutionRole'])('%s may send WhatsApp messages from that one number, and read no secret', (role) => {
    const statements = roleStatements<Statement>(template, role);
    expect(statements.find((s) => s.Sid === 'SendWhatsAppFromOneNumber')).toEqual({
      Sid: 'SendWhatsAppFromOneNumber', Effect: 'Allow', Action: 'social-messaging:SendWhatsAppMessage',
      Resource: [arn('0123456789abcdef0123456789abcdef'), arn(NUMBER)],
    });
    expect(JSON.stringify(statements)).not.toContain('secretsmanager');
    expect(JSON.stringify(statements)).not.toMatch(/social-messaging:\*|"social-messaging:(?!SendWhatsAppMessage)/);
  });

  test('the function learns the API, the number and the Meta API version from its environment', () => {
    expect(pinpointFunction(template).Properties.Environment.Variables).toMatchObject({
      CHANNEL: 'whatsapp', WHATSAPP_API: 'aws', WHATSAPP_ORIGINATION_PHONE_NUMBER_ID: NUMBER, GRAPH_API_VERSION: 'v25.0',
    });
    expect(pinpointFunction(template).Properties.Environment.Variables.GRAPH_API_BASE_URL).toBeUndefined();
  });

  test.each([
    [{ whatsappApi: 'aws' }, 'Invalid context value for "whatsappOriginationPhoneNumberId": expected the End User Messaging Social id of the linked number'],
    [{ ...AWS_API, whatsappOriginationPhoneNumberId: '109876543210987' }, 'Invalid context value for "whatsappOriginationPhoneNumberId"'],
    [{ ...AWS_API, tokenSecretArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:t-AbC123' },
      'Invalid context value for "tokenSecretArn": expected nothing, because whatsappApi is aws'],
    [{ whatsappApi: 'sms' }, 'Invalid context value for "whatsappApi": expected one of graph, aws'],
    [{ ...AWS_API, channel: 'messenger' }, 'Invalid context value for "whatsappApi": expected graph or nothing, because channel is messenger'],
    [{ whatsappOriginationPhoneNumberId: NUMBER }, 'Invalid context value for "whatsappOriginationPhoneNumberId": expected nothing unless whatsappApi is aws'],
  ])('refuses %j in one line', (overrides, message) => {
    let error: unknown;
    try {
      parseConfig(contextLookup(overrides), CONFIG_NOW);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(message);
    expect((error as Error).message.split('\n')).toHaveLength(1);
  });
});
