/** The job queue, its dead-letter queue and the worker, as the delivery stack builds them in both modes. */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildApp, pinpointFunction, roleStatements } from '../helpers';

type Statement = { Sid?: string; Action: string | string[]; Resource: unknown };
const sids = (statements: Statement[]) => statements.map((s) => s.Sid ?? 'X-Ray').sort();
const ref = (prefix: string) => ({ 'Fn::GetAtt': [Match.stringLikeRegexp(`^${prefix}`), 'Arn'] });
/** The same reference, for jest's own matchers. */
const arnOf = (prefix: string) => ({ 'Fn::GetAtt': [expect.stringMatching(`^${prefix}[0-9A-F]{8}$`), 'Arn'] });

describe('the job queue and its worker (default: direct mode)', () => {
  // GIVEN the default configuration; WHEN synthesized
  const { delivery, campaign } = buildApp();
  const template = Template.fromStack(delivery);

  test('the worker reads the job queue through an event source mapping with maximum concurrency and partial batch responses', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: ref('JobsQueue'), FunctionName: { Ref: Match.stringLikeRegexp('^JobsWorkerFunction') },
      BatchSize: 100, MaximumBatchingWindowInSeconds: 1, ScalingConfig: { MaximumConcurrency: 2 }, FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  test('a job is dead-lettered by SQS after a bounded number of receives, and kept there 14 days; the worker has time for a batch', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { deadLetterTargetArn: ref('ParkingQueue'), maxReceiveCount: 10 }, VisibilityTimeout: 180,
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 30, Environment: { Variables: Match.objectLike({
        MESSAGES_PER_SECOND: '80', WORKER_CONCURRENCY: '2', MAX_RECEIVES: '8', CHANNEL: 'whatsapp',
        JOB_QUEUE_URL: { Ref: Match.stringLikeRegexp('^JobsQueue') }, DEAD_LETTER_QUEUE_URL: { Ref: Match.stringLikeRegexp('^ParkingQueue') },
      }) },
    });
  });

  test('the worker may receive, delete and delay jobs of its own queue, and send only to its dead-letter queue', () => {
    const statements = roleStatements<Statement>(template, 'JobsWorkerExecutionRole');
    expect(sids(statements)).toEqual(['ConsumeJobQueue', 'DeadLetterJobs', 'ReadProviderToken', 'RememberDeliveries', 'WriteOwnLogGroup', 'X-Ray']);
    expect(statements.find((s) => s.Sid === 'ConsumeJobQueue')).toMatchObject({
      Action: ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage'], Resource: arnOf('JobsQueue'),
    });
    expect(statements.find((s) => s.Sid === 'DeadLetterJobs')).toMatchObject({ Action: 'sqs:SendMessage', Resource: arnOf('ParkingQueue') });
    // No statement lets the worker put jobs on the job queue
    expect(statements.filter((s) => JSON.stringify(s.Action).includes('sqs:SendMessage')).map((s) => s.Sid)).toEqual(['DeadLetterJobs']);
  });

  test('in direct mode Pinpoint\'s function hands failures on: transient ones to the job queue, the rest to the dead-letter queue', () => {
    const statements = roleStatements<Statement>(template, 'DeliveryExecutionRole');
    expect(statements.find((s) => s.Sid === 'EnqueueDeliveryJobs')).toMatchObject({ Action: 'sqs:SendMessage', Resource: arnOf('JobsQueue') });
    expect(statements.find((s) => s.Sid === 'DeadLetterJobs')).toMatchObject({ Action: 'sqs:SendMessage', Resource: arnOf('ParkingQueue') });
    expect(pinpointFunction(template).Properties.Environment.Variables.DELIVERY_MODE).toBeUndefined();
  });

  test('the sample campaign hands out at most messagesPerSecond', () => {
    Template.fromStack(campaign!).hasResourceProperties('AWS::Pinpoint::Campaign', { Limits: { MessagesPerSecond: 80 } });
  });

  test('alarms: a dead-lettered job, a backlog older than the rate explains, worker errors, over 5 % throttled', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 1,
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ParkingQueue'), 'QueueName'] } }] });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Threshold: 300, Metrics: Match.arrayWith([Match.objectLike({ Expression: 'age - visible / 80' })]) });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Errors', Dimensions: [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp('^JobsWorkerFunction') } }] });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Threshold: 0.05, Metrics: Match.arrayWith([Match.objectLike({ Expression: 'IF(requests > 0, throttled / requests, 0)' })]) });
  });
});

describe('queued mode', () => {
  const { delivery, campaign } = buildApp({ deliveryMode: 'queued', messagesPerSecond: '250', workerConcurrency: '5' });
  const template = Template.fromStack(delivery);

  test('Pinpoint\'s function enqueues: it may send to the job queue only, and knows its URL and the mode', () => {
    const statements = roleStatements<Statement>(template, 'DeliveryExecutionRole');
    expect(statements.find((s) => s.Sid === 'EnqueueDeliveryJobs')).toMatchObject({ Action: 'sqs:SendMessage', Resource: arnOf('JobsQueue') });
    expect(statements.filter((s) => JSON.stringify(s.Action).includes('sqs:')).map((s) => s.Sid)).toEqual(['EnqueueDeliveryJobs']);
    expect(pinpointFunction(template).Properties.Environment.Variables).toMatchObject({
      DELIVERY_MODE: 'queued', JOB_QUEUE_URL: { Ref: expect.stringMatching(/^JobsQueue[0-9A-F]{8}$/) },
    });
  });

  test('the rate and the workers follow the context, in the worker and the campaign alike', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { ScalingConfig: { MaximumConcurrency: 5 } });
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ MESSAGES_PER_SECOND: '250', WORKER_CONCURRENCY: '5' }) } });
    Template.fromStack(campaign!).hasResourceProperties('AWS::Pinpoint::Campaign', { Limits: { MessagesPerSecond: 250 } });
  });
});

describe('the metrics channel', () => {
  test('has no job queue and no worker: it sends nothing', () => {
    const template = Template.fromStack(buildApp({ channel: 'metrics' }).delivery);
    template.resourceCountIs('AWS::SQS::Queue', 0);
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 0);
  });
});
