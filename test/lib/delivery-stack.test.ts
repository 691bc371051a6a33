import * as fs from 'node:fs';
import * as path from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { App } from 'aws-cdk-lib';
import { DeliveryStack, METRICS_NAMESPACE, SERVICE_NAME } from '../../lib/delivery-stack';
import { buildApp, normalisedTemplate, pinpointFunction, roleStatements } from '../helpers';
import { BUNDLE_FILE, synthesizedBundleDir } from '../integration/stand-ins/bundled-function';

/** The parking queue's logical id in every earlier version's template: CloudFormation keeps a queue whose id stays. */
const PARKING_QUEUE_LOGICAL_ID = 'ParkingQueue949A420A';

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:whatsapp/token-AbC123';
const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

type Statement = { Action: string | string[]; Resource: unknown; Sid?: string; Condition?: unknown };

/** The Pinpoint function's statements; the worker's role is tested on its own. */
function statements(template: Template): Statement[] {
  return roleStatements<Statement>(template, 'DeliveryExecutionRole');
}

function actionsOf(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

describe('DeliveryStack with the default configuration', () => {
  // GIVEN the configuration in cdk.json
  const { delivery } = buildApp();
  // WHEN the delivery stack is synthesized
  const template = Template.fromStack(delivery);

  test('matches the snapshot (asset hashes normalised)', () => {
    expect(normalisedTemplate(template)).toMatchSnapshot();
  });

  test('creates the token secret with a generated placeholder, never a value', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { GenerateStringKey: 'accessToken', SecretStringTemplate: '{}' },
      SecretString: Match.absent(),
    });
  });

  test('the function runs Node.js 24 on ARM64, below Pinpoint\'s 15-second wait, with active tracing', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Timeout: Match.anyValue(),
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('^DeliveryLogGroup') } },
    });
    const fn = pinpointFunction(template);
    expect(fn.Properties.Timeout).toBeLessThan(15);
  });

  test('the function gets the secret\'s ARN in its environment, and nothing that looks like a token', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectEquals({
          TOKEN_SECRET_ARN: { Ref: Match.stringLikeRegexp('^ProviderToken') },
          JOB_QUEUE_URL: { Ref: Match.stringLikeRegexp('^JobsQueue') },
          DEAD_LETTER_QUEUE_URL: { Ref: Match.stringLikeRegexp('^ParkingQueue') },
          IDEMPOTENCY_TABLE_NAME: { Ref: Match.stringLikeRegexp('^IdempotencyTable') },
          CHANNEL: 'whatsapp',
          MAX_CONCURRENCY: '50',
          REPORT_TO_PINPOINT: 'true',
          GRAPH_API_VERSION: 'v25.0',
          GRAPH_API_BASE_URL: 'https://graph.facebook.com',
          POWERTOOLS_SERVICE_NAME: Match.anyValue(),
          POWERTOOLS_METRICS_NAMESPACE: Match.anyValue(),
        }),
      },
    });
  });

  test('the job queue and its dead-letter queue (the parking queue of earlier versions) are encrypted, refuse plain HTTP and keep messages 14 days', () => {
    const queues = template.findResources('AWS::SQS::Queue');
    expect(Object.keys(queues).map((id) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual(['JobsQueue', 'ParkingQueue']);
    for (const queue of Object.values(queues)) {
      expect(queue.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    }
    const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy'));
    expect(policies).toHaveLength(2);
    for (const policy of policies) {
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(expect.objectContaining({
        Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }));
    }
  });

  test('the role may only send messages: failures to retry to the job queue, the rest to its dead-letter queue', () => {
    const sqsStatements = statements(template).filter((s) => actionsOf(s).some((a) => a.startsWith('sqs:')));
    expect(sqsStatements).toEqual([
      expect.objectContaining({ Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^JobsQueue/), 'Arn'] } }),
      expect.objectContaining({ Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^ParkingQueue/), 'Arn'] } }),
    ]);
  });

  test('an update keeps the parking queue of earlier versions, and the deliveries in it: its logical id is the dead-letter queue\'s', () => {
    expect(Object.keys(template.findResources('AWS::SQS::Queue'))).toContain(PARKING_QUEUE_LOGICAL_ID);
    template.hasResourceProperties('AWS::SQS::Queue', { RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [PARKING_QUEUE_LOGICAL_ID, 'Arn'] }, maxReceiveCount: 10 } });
  });

  test('the idempotency table has a TTL, on-demand billing, encryption and point-in-time recovery', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  test('the role may only get, put, update and delete items of the idempotency table', () => {
    const dynamoStatements = statements(template).filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
    expect(dynamoStatements).toEqual([expect.objectContaining({
      Action: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/^IdempotencyTable/), 'Arn'] },
    })]);
  });

  test('the log group has a retention', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  test('the role has no managed policy and trusts only Lambda', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      ManagedPolicyArns: Match.absent(),
      AssumeRolePolicyDocument: {
        Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } }],
      },
    });
  });

  test('the role may read only this secret, with GetSecretValue only', () => {
    const secretStatements = statements(template).filter((s) => actionsOf(s).some((a) => a.startsWith('secretsmanager:')));
    expect(secretStatements).toEqual([
      expect.objectContaining({ Action: 'secretsmanager:GetSecretValue', Resource: { Ref: expect.stringMatching(/^ProviderToken/) } }),
    ]);
  });

  test('the role may write only to its own log group', () => {
    const logStatements = statements(template).filter((s) => actionsOf(s).some((a) => a.startsWith('logs:')));
    expect(logStatements).toEqual([
      expect.objectContaining({
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^DeliveryLogGroup/), 'Arn'] },
      }),
    ]);
  });

  test('no statement uses a "*" action, and only X-Ray (which has no resource-level permissions) uses a "*" resource', () => {
    for (const statement of statements(template)) {
      expect(actionsOf(statement).filter((action) => action.includes('*'))).toEqual([]);
      if (statement.Resource === '*') {
        expect(actionsOf(statement).sort()).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
      }
    }
  });

  test('no KMS permission without a customer managed key', () => {
    expect(statements(template).flatMap(actionsOf).filter((a) => a.startsWith('kms:'))).toEqual([]);
  });

  test('references no Pinpoint resource, so it stands alone', () => {
    expect(JSON.stringify(template.toJSON())).not.toMatch(/Pinpoint::|mobiletargeting/);
  });
});

describe('DeliveryStack with idempotency=false', () => {
  const template = Template.fromStack(buildApp({ idempotency: 'false' }).delivery);

  test('has no table, no DynamoDB permission and no table name for the function', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 0);
    expect(statements(template).flatMap(actionsOf).filter((a) => a.startsWith('dynamodb:'))).toEqual([]);
    const fn = pinpointFunction(template);
    expect(fn.Properties.Environment.Variables.IDEMPOTENCY_TABLE_NAME).toBeUndefined();
  });
});

describe('DeliveryStack alarms', () => {
  // GIVEN the default configuration; WHEN synthesized
  const template = Template.fromStack(buildApp().delivery);
  const alarm = (metric: Record<string, unknown>, threshold: number) => template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    ...metric, Threshold: threshold, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching', EvaluationPeriods: 1,
  });
  const functionDimension = [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp('^DeliveryFunction') } }];

  test('alarm on function errors, throttles, and a duration near Pinpoint\'s 15-second wait', () => {
    alarm({ Namespace: 'AWS/Lambda', MetricName: 'Errors', Statistic: 'Sum', Dimensions: functionDimension }, 1);
    alarm({ Namespace: 'AWS/Lambda', MetricName: 'Throttles', Statistic: 'Sum', Dimensions: functionDimension }, 1);
    alarm({ Namespace: 'AWS/Lambda', MetricName: 'Duration', Statistic: 'Maximum', Dimensions: functionDimension }, 12_000);
  });

  test('alarm on any job in the dead-letter queue', () => {
    alarm({
      Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible', Statistic: 'Maximum',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ParkingQueue'), 'QueueName'] } }],
    }, 1);
  });

  test('alarm on the function\'s own Failed and UnsavedFailures metrics, under the namespace and service it publishes with', () => {
    const dimensions = [{ Name: 'service', Value: SERVICE_NAME }];
    alarm({ Namespace: METRICS_NAMESPACE, MetricName: 'Failed', Statistic: 'Sum', Dimensions: dimensions }, 5);
    alarm({ Namespace: METRICS_NAMESPACE, MetricName: 'UnsavedFailures', Statistic: 'Sum', Dimensions: dimensions }, 1);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE }) },
    });
  });

  test('without an alarm email there is no topic and no alarm action', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 9);
    template.resourceCountIs('AWS::SNS::Topic', 0);
    for (const each of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) expect(each.Properties.AlarmActions).toBeUndefined();
  });
});

describe('DeliveryStack alarms with an alarm email', () => {
  // GIVEN an email address and a lower threshold; WHEN synthesized
  const template = Template.fromStack(buildApp({ alarmEmail: 'ops@example.com', failedDeliveriesAlarmThreshold: '2' }).delivery);
  const topicId = () => Object.keys(template.findResources('AWS::SNS::Topic'))[0];

  test('every alarm notifies one topic, which emails the address', () => {
    for (const each of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(each.Properties.AlarmActions).toEqual([{ Ref: topicId() }]);
    }
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com', TopicArn: { Ref: topicId() } });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Failed', Threshold: 2 });
  });

  test('the topic is encrypted with a rotating key that CloudWatch of this account may use, and refuses plain HTTP', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('TopicKey'), 'Arn'] } });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: { Statement: Match.arrayWith([{
        Sid: 'CloudWatchAlarmsPublish', Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Resource: '*', Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      }]) },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });
});

describe('DeliveryStack with an imported secret and a customer managed key', () => {
  // GIVEN an existing secret and its KMS key from context
  const { delivery } = buildApp({ tokenSecretArn: SECRET_ARN, tokenSecretKmsKeyArn: KEY_ARN, whatsappPhoneNumberId: '123456789012345' });
  // WHEN the stack is synthesized
  const template = Template.fromStack(delivery);

  test('creates no secret and reads the imported one by its complete ARN', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ TOKEN_SECRET_ARN: SECRET_ARN, WHATSAPP_PHONE_NUMBER_ID: '123456789012345' }) },
    });
    expect(statements(template)).toContainEqual(expect.objectContaining({ Action: 'secretsmanager:GetSecretValue', Resource: SECRET_ARN }));
  });

  test('may decrypt with that key only, and only through Secrets Manager', () => {
    const kmsStatements = statements(template).filter((s) => actionsOf(s).some((a) => a.startsWith('kms:')));
    expect(kmsStatements).toEqual([{
      Sid: 'DecryptProviderToken',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: KEY_ARN,
      Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } } },
    }]);
  });
});

describe('the bundled function', () => {
  // GIVEN the app synthesized as `cdk synth` does it
  const bundleDir = synthesizedBundleDir();
  const code = fs.readFileSync(path.join(bundleDir, BUNDLE_FILE), 'utf8');

  test('is bundled locally into a minified ES module with a source map', () => {
    expect(BUNDLE_FILE).toBe('index.mjs');
    expect(fs.existsSync(path.join(bundleDir, 'index.mjs.map'))).toBe(true);
    // Minified code is very long lines (only the SDK's multi-line template strings break them;
    // esbuild appends the licence comments after it), and local names such as the core's
    // deliverBatch are mangled away.
    const [program] = code.split('/*! Bundled license information');
    const lines = program.trim().split('\n');
    expect(program.length / lines.length).toBeGreaterThan(5000);
    expect(program).not.toContain('deliverBatch');
  });

  test('carries the AWS SDK clients it uses, and leaves End User Messaging Social\'s out', () => {
    // (a module left out is loaded by name: `require("…")`, minified to `x("…")`, or `from"…"`)
    expect(code).not.toMatch(/(\w\(|from ?|import\()"@aws-sdk\/client-(secrets-manager|dynamodb|sqs|pinpoint)"/);
    expect(code).toContain('GetSecretValue');
    expect(code).toMatch(/\w\("@aws-sdk\/client-socialmessaging"\)/);
    expect(code).not.toContain('/v1/whatsapp/send');
  });
});

describe('DeliveryStack with a token secret of another Region', () => {
  test('refused at synth when the stack\'s Region is known', () => {
    const app = new App();
    expect(() => new DeliveryStack(app, 'Delivery', {
      env: { account: '111122223333', region: 'us-east-1' }, channel: { kind: 'whatsapp', graphApiVersion: 'v25.0', graphApiBaseUrl: 'https://graph.facebook.com' },
      tokenSecret: { existingSecretArn: SECRET_ARN },
    })).toThrow('Invalid context value for "tokenSecretArn": expected a secret in the stack\'s Region us-east-1');
  });

  test('guarded by a template rule when the Region is only known at deploy time', () => {
    const { delivery } = buildApp({ tokenSecretArn: SECRET_ARN });
    const rules = Template.fromStack(delivery).toJSON().Rules;
    expect(rules).toMatchObject({
      TokenSecretInStackRegion: {
        Assertions: [{ Assert: { 'Fn::Equals': ['eu-west-1', { Ref: 'AWS::Region' }] }, AssertDescription: expect.stringContaining('tokenSecretArn is in eu-west-1') }],
      },
    });
  });

  test('no rule when the stack creates its own secret', () => {
    expect(Object.keys(Template.fromStack(buildApp().delivery).toJSON().Rules)).toEqual(['CheckBootstrapVersion']);
  });
});
