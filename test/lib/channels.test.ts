import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildApp, pinpointFunction } from '../helpers';

type Statement = { Action: string | string[] };
const actions = (template: Template) => Object.values(template.findResources('AWS::IAM::Policy'))
  .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[])
  .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
const campaignData = (template: Template) => JSON.parse(Object.values(template.findResources('AWS::Pinpoint::Campaign'))[0].Properties.MessageConfiguration.CustomMessage.Data);

describe('channel=messenger', () => {
  // GIVEN the Messenger channel with a page id; WHEN synthesized
  const { delivery, campaign } = buildApp({ channel: 'messenger', messengerPageId: '1122334455' });
  const template = Template.fromStack(delivery);

  test('the function gets the Messenger settings and the page token secret, and no WhatsApp setting', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({
        CHANNEL: 'messenger', MESSENGER_PAGE_ID: '1122334455', MESSENGER_PSID_ATTRIBUTE: 'facebookMessengerPsid',
        TOKEN_SECRET_ARN: Match.anyValue(), JOB_QUEUE_URL: Match.anyValue(), DEAD_LETTER_QUEUE_URL: Match.anyValue(), GRAPH_API_VERSION: 'v25.0',
      }) },
    });
    const fn = pinpointFunction(template);
    expect(fn.Properties.Environment.Variables.WHATSAPP_PHONE_NUMBER_ID).toBeUndefined();
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    // The job queue and its dead-letter queue
    template.resourceCountIs('AWS::SQS::Queue', 2);
  });

  test('the sample campaign carries a Messenger message', () => {
    expect(campaignData(Template.fromStack(campaign!))).toEqual({ messaging_type: 'UPDATE', message: { text: 'Hello from our Pinpoint campaign.' } });
  });
});

describe('channel=metrics', () => {
  // GIVEN the metrics-only channel; WHEN synthesized
  const { delivery, campaign } = buildApp({ channel: 'metrics' });
  const template = Template.fromStack(delivery);
  const campaignTemplate = Template.fromStack(campaign!);

  test('has no secret, queue or table, and the role may only write its logs (and traces)', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    template.resourceCountIs('AWS::SQS::Queue', 0);
    template.resourceCountIs('AWS::DynamoDB::Table', 0);
    expect(actions(template).sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
  });

  test('the function is told to count, and nothing else', () => {
    const fn = pinpointFunction(template);
    expect(Object.keys(fn.Properties.Environment.Variables).sort()).toEqual(['CHANNEL', 'POWERTOOLS_METRICS_NAMESPACE', 'POWERTOOLS_SERVICE_NAME']);
    expect(fn.Properties.Environment.Variables.CHANNEL).toBe('metrics');
  });

  test('only the function alarms remain: no delivery or queue alarm', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
    for (const metric of ['Failed', 'UnsavedFailures', 'ApproximateAgeOfOldestMessage', 'ApproximateNumberOfMessagesVisible']) {
      expect(template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: metric } })).toEqual({});
    }
  });

  test('the campaign stack still invokes it, but grants no outcome reporting', () => {
    campaignTemplate.resourceCountIs('AWS::Lambda::Permission', 1);
    campaignTemplate.resourceCountIs('AWS::IAM::Policy', 0);
    expect(campaignData(campaignTemplate)).toMatchObject({ note: expect.any(String) });
  });
});

describe('several deployments side by side', () => {
  test('distinct stack name prefixes give distinct stacks for each channel', () => {
    const names = [['Shop-WhatsApp', 'whatsapp'], ['Shop-Messenger', 'messenger'], ['Shop-Counts', 'metrics']]
      .flatMap(([prefix, channel]) => {
        const { delivery, campaign } = buildApp({ stackNamePrefix: prefix, channel });
        return [delivery.stackName, campaign!.stackName];
      });
    expect(new Set(names).size).toBe(6);
  });
});
