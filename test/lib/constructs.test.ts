/**
 * Each construct on a bare Stack, with nothing of the app around it: its own props, resources by
 * interface, and its validation errors.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { CustomChannelCampaign } from '../../lib/constructs/custom-channel-campaign';
import { CustomChannelFunction } from '../../lib/constructs/custom-channel-function';
import { DeliveryAlarms } from '../../lib/constructs/delivery-alarms';
import { jobBatchSize, JobQueueWorker } from '../../lib/constructs/job-queue-worker';
import { PinpointInvokePermission } from '../../lib/constructs/pinpoint-invoke-permission';

const ENV = { account: '111122223333', region: 'eu-west-1' };
const PROJECT_ID = '0123456789abcdef0123456789abcdef';
const FUNCTION_ARN = 'arn:aws:lambda:eu-west-1:111122223333:function:delivery';

function bareStack(): Stack {
  // No stack is bundled: the function's bundle is tested on its own (test/integration/).
  return new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Bare', { env: ENV });
}

function importedFunction(stack: Stack): lambda.IFunction {
  return lambda.Function.fromFunctionArn(stack, 'Imported', FUNCTION_ARN);
}

describe('CustomChannelFunction on a bare stack', () => {
  // GIVEN resources passed by interface, imported rather than created
  const stack = bareStack();
  const secret = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Secret', 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:t-AbC123');
  const queue = sqs.Queue.fromQueueArn(stack, 'Queue', 'arn:aws:sqs:eu-west-1:111122223333:jobs');
  const deadLetters = sqs.Queue.fromQueueArn(stack, 'DeadLetters', 'arn:aws:sqs:eu-west-1:111122223333:dead-letters');
  const table = dynamodb.Table.fromTableName(stack, 'Table', 'idempotency');
  const key = kms.Key.fromKeyArn(stack, 'Key', 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab');
  // WHEN the construct is added
  new CustomChannelFunction(stack, 'Delivery', {
    tokenSecret: secret, jobQueue: queue, deadLetterQueue: deadLetters, idempotencyTable: table, tokenEncryptionKey: key, environment: { CHANNEL: 'whatsapp' },
  });
  const template = Template.fromStack(stack);

  test('the role names each resource it was given, and nothing else but its own log group and X-Ray', () => {
    const [policy] = Object.values(template.findResources('AWS::IAM::Policy'));
    const bySid = Object.fromEntries((policy.Properties.PolicyDocument.Statement as { Sid?: string; Resource: unknown; Action: unknown }[])
      .map((s) => [s.Sid ?? 'xray', s]));
    expect(Object.keys(bySid).sort()).toEqual([
      'DeadLetterJobs', 'DecryptProviderToken', 'EnqueueDeliveryJobs', 'ReadProviderToken', 'RememberDeliveries', 'WriteOwnLogGroup', 'xray',
    ]);
    expect(bySid.ReadProviderToken).toMatchObject({ Action: 'secretsmanager:GetSecretValue', Resource: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:t-AbC123' });
    expect(bySid.EnqueueDeliveryJobs).toMatchObject({ Action: 'sqs:SendMessage', Resource: 'arn:aws:sqs:eu-west-1:111122223333:jobs' });
    expect(bySid.DeadLetterJobs).toMatchObject({ Action: 'sqs:SendMessage', Resource: 'arn:aws:sqs:eu-west-1:111122223333:dead-letters' });
    expect(bySid.DecryptProviderToken).toMatchObject({ Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } } });
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
  });

  test('the function gets the resources as the environment names of the contract module, and no token value', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x', Timeout: 13,
      Environment: { Variables: Match.objectLike({
        CHANNEL: 'whatsapp', TOKEN_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:t-AbC123', IDEMPOTENCY_TABLE_NAME: 'idempotency',
        JOB_QUEUE_URL: Match.anyValue(), DEAD_LETTER_QUEUE_URL: Match.anyValue(),
      }) },
    });
  });

  test('a timeout Pinpoint would not wait for is refused', () => {
    const other = bareStack();
    expect(() => new CustomChannelFunction(other, 'Delivery', { timeout: Duration.seconds(15) }))
      .toThrow("CustomChannelFunction timeout must be below Pinpoint's 15-second wait, got 15 seconds");
  });
});

describe('PinpointInvokePermission on a bare stack', () => {
  test('the regional principal, the project\'s campaigns as source ARN, and the account', () => {
    const stack = bareStack();
    new PinpointInvokePermission(stack, 'Permission', { function: importedFunction(stack), applicationId: PROJECT_ID });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction', FunctionName: FUNCTION_ARN, Principal: 'pinpoint.eu-west-1.amazonaws.com', SourceAccount: '111122223333',
      SourceArn: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:mobiletargeting:eu-west-1:111122223333:apps/${PROJECT_ID}/campaigns/*`]] },
    });
  });

  test('narrowed to one campaign when its ARN is given', () => {
    const stack = bareStack();
    const campaignArn = `arn:aws:mobiletargeting:eu-west-1:111122223333:apps/${PROJECT_ID}/campaigns/c1`;
    new PinpointInvokePermission(stack, 'Permission', { function: importedFunction(stack), applicationId: PROJECT_ID, campaignArn });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Permission', { SourceArn: campaignArn, SourceAccount: '111122223333' });
  });

  test('an application id that is not a project id is refused', () => {
    const stack = bareStack();
    expect(() => new PinpointInvokePermission(stack, 'Permission', { function: importedFunction(stack), applicationId: 'my-project' }))
      .toThrow('PinpointInvokePermission applicationId must be a 32-character Pinpoint project id, got "my-project"');
  });
});

describe('CustomChannelCampaign on a bare stack', () => {
  const message = JSON.stringify({ type: 'text', text: { body: 'Hi' } });

  test('a paused campaign that depends on its invoke permission, and a segment of its endpoint types', () => {
    const stack = bareStack();
    new CustomChannelCampaign(stack, 'Campaign', { applicationId: PROJECT_ID, deliveryFunction: importedFunction(stack), messageData: message });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Pinpoint::Campaign', {
      IsPaused: true, CustomDeliveryConfiguration: { DeliveryUri: FUNCTION_ARN, EndpointTypes: ['CUSTOM'] }, MessageConfiguration: { CustomMessage: { Data: message } },
    });
    template.hasResource('AWS::Pinpoint::Campaign', { DependsOn: [Match.stringLikeRegexp('InvokePermission')] });
    template.hasResourceProperties('AWS::Pinpoint::Segment', { Dimensions: { Demographic: { Channel: { DimensionType: 'INCLUSIVE', Values: ['CUSTOM'] } } } });
  });

  test.each([
    ['no endpoint types', { endpointTypes: [] }, 'CustomChannelCampaign endpointTypes must be a non-empty list'],
    ['an unknown endpoint type', { endpointTypes: ['FAX'] }, 'CustomChannelCampaign endpointTypes must be a non-empty list'],
    ['Data that is not JSON', { messageData: 'not json' }, 'CustomChannelCampaign messageData cannot be a campaign\'s message: Data is not valid JSON'],
    ['a __proto__ key in Data', { messageData: '{"type":"text","text":{"__proto__":{}}}' }, 'Data.text.__proto__ is a forbidden key'],
    ['Data over 5 KB', { messageData: JSON.stringify({ body: 'x'.repeat(6000) }) }, 'over the 5120-byte limit'],
  ])('refuses %s', (_name, props, error) => {
    const stack = bareStack();
    expect(() => new CustomChannelCampaign(stack, 'Campaign', {
      applicationId: PROJECT_ID, deliveryFunction: importedFunction(stack), messageData: message, ...props as object,
    })).toThrow(error);
  });
});

describe('DeliveryAlarms on a bare stack', () => {
  test('alarms on the function and, given the job queues, on dead letters; the delivery metrics come from the contract\'s names', () => {
    const stack = bareStack();
    const queue = sqs.Queue.fromQueueArn(stack, 'Queue', 'arn:aws:sqs:eu-west-1:111122223333:jobs');
    const deadLetterQueue = sqs.Queue.fromQueueArn(stack, 'DeadLetters', 'arn:aws:sqs:eu-west-1:111122223333:dead-letters');
    const worker = lambda.Function.fromFunctionArn(stack, 'Worker', `${FUNCTION_ARN}-worker`);
    new DeliveryAlarms(stack, 'Alarms', {
      function: importedFunction(stack), failedDeliveriesThreshold: 7,
      jobs: { queue, deadLetterQueue, worker, messagesPerSecond: 80 },
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 9);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Failed', Namespace: 'PinpointCustomChannel', Threshold: 7, Dimensions: [{ Name: 'service', Value: 'pinpoint-custom-channel' }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'UnsavedFailures', Threshold: 1 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 1, Dimensions: [{ Name: 'QueueName', Value: 'dead-letters' }],
    });
  });

  test('an email gets an encrypted topic that only CloudWatch of this account may publish to', () => {
    const stack = bareStack();
    new DeliveryAlarms(stack, 'Alarms', { function: importedFunction(stack), notificationEmail: 'ops@example.com' });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
    template.hasResourceProperties('AWS::KMS::Key', { KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({
      Sid: 'CloudWatchAlarmsPublish', Principal: { Service: 'cloudwatch.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': '111122223333' } },
    })]) } });
  });

  test.each([0, 2.5, -1])('a failed-deliveries threshold of %p is refused', (threshold) => {
    const stack = bareStack();
    expect(() => new DeliveryAlarms(stack, 'Alarms', { function: importedFunction(stack), failedDeliveriesThreshold: threshold }))
      .toThrow('DeliveryAlarms failedDeliveriesThreshold must be a whole number of at least 1');
  });
});

describe('JobQueueWorker on a bare stack', () => {
  test('a queue, its dead-letter queue and a worker reading it, at the given rate and concurrency', () => {
    const stack = bareStack();
    const secret = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Secret', 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:t-AbC123');
    const jobs = new JobQueueWorker(stack, 'Jobs', { tokenSecret: secret, messagesPerSecond: 20, workerConcurrency: 4, maxReceives: 3 });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SQS::Queue', 2);
    template.hasResourceProperties('AWS::SQS::Queue', { RedrivePolicy: { maxReceiveCount: 5 } });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { ScalingConfig: { MaximumConcurrency: 4 }, FunctionResponseTypes: ['ReportBatchItemFailures'] });
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ MESSAGES_PER_SECOND: '20', WORKER_CONCURRENCY: '4', MAX_RECEIVES: '3' }) } });
    expect(jobs.messagesPerSecond).toBe(20);
  });

  test('a batch is what a worker\'s share sends in 20 s, at most 100: a slow number never gets jobs it cannot send before the deadline', () => {
    // GIVEN one message per second shared by two workers (half a message per second each)
    const stack = bareStack();
    const secret = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Secret', 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:t-AbC123');
    new JobQueueWorker(stack, 'Jobs', { tokenSecret: secret, messagesPerSecond: 1, workerConcurrency: 2 });
    // THEN each invocation gets 10 jobs, which take 20 s of its 30
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::EventSourceMapping', { BatchSize: 10, MaximumBatchingWindowInSeconds: 1 });
    expect([0.05, 0.5, 2, 2.5, 40, 500].map(jobBatchSize)).toEqual([1, 10, 40, 50, 100, 100]);
  });

  test.each([
    [{ messagesPerSecond: 0 }, 'JobQueueWorker messagesPerSecond must be a whole number from 1 to 1000, got 0'],
    [{ messagesPerSecond: 2.5 }, 'JobQueueWorker messagesPerSecond must be a whole number from 1 to 1000, got 2.5'],
    [{ workerConcurrency: 1 }, 'JobQueueWorker workerConcurrency must be a whole number from 2 to 1000 (SQS\'s bounds), got 1'],
    [{ maxReceives: 0 }, 'JobQueueWorker maxReceives must be a whole number from 1 to 100, got 0'],
  ])('refuses %j', (props, error) => {
    const stack = bareStack();
    const secret = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Secret', 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:t-AbC123');
    expect(() => new JobQueueWorker(stack, 'Jobs', { tokenSecret: secret, ...props })).toThrow(error);
  });

  test('a worker timeout over 15 minutes is refused', () => {
    expect(() => new CustomChannelFunction(bareStack(), 'Worker', { invocation: 'job-queue', timeout: Duration.minutes(16) }))
      .toThrow('CustomChannelFunction timeout of a job-queue worker must be at most 15 minutes, got 16 minutes');
  });
});
