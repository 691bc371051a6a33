import * as path from 'node:path';
import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { ENV } from '../../lambda/contract';

/** Loaded by the function only when it sends through End User Messaging Social. */
const SOCIAL_MESSAGING_CLIENT = '@aws-sdk/client-socialmessaging';

/** Pinpoint stops waiting for a custom-channel function after this long. */
export const PINPOINT_MAX_WAIT = Duration.seconds(15);

/**
 * Who invokes the function: Pinpoint, synchronously with a batch it waits 15 s for (the handler);
 * or an SQS event source mapping with delivery jobs (the worker).
 */
export type CustomChannelInvocation = 'pinpoint' | 'job-queue';

/** SQS waits up to 15 minutes for a worker. */
const JOB_QUEUE_MAX_TIMEOUT = Duration.minutes(15);

export interface CustomChannelFunctionProps {
  /**
   * Who invokes the function, which chooses its entry point, its default timeout and the timeout's bound.
   *
   * @default 'pinpoint'
   */
  readonly invocation?: CustomChannelInvocation;

  /**
   * The job queue: for Pinpoint's function, where it puts jobs (every endpoint's in queued mode, the
   * transient failures' in direct mode: `sqs:SendMessage`); for the worker, what it reads (receive,
   * delete, change visibility). Its URL reaches the function. The queue must use SQS-managed
   * encryption: a customer managed key would need more permissions.
   *
   * @default - no job queue (the metrics channel sends nothing)
   */
  readonly jobQueue?: IQueue;

  /**
   * Where the function puts jobs that are done trying (permanent and uncertain failures, and the
   * worker's exhausted or malformed jobs): `sqs:SendMessage` on this queue only.
   *
   * @default - no dead-letter queue (queued mode's Pinpoint function sends nothing itself)
   */
  readonly deadLetterQueue?: IQueue;

  /**
   * The secret holding the provider's token as JSON (`{"accessToken": "..."}`). Only its ARN reaches the function.
   *
   * @default - no token (the metrics channel sends nothing)
   */
  readonly tokenSecret?: ISecret;

  /**
   * The End User Messaging Social number (`phone-number-id-…`) the function sends WhatsApp messages
   * from: the role may call `social-messaging:SendWhatsAppMessage` on that number alone.
   *
   * @default - none (the function sends through Meta's Graph API with the token)
   */
  readonly endUserMessagingPhoneNumberId?: string;

  /**
   * The table where delivered endpoints are remembered (Powertools idempotency), so that a repeated
   * batch messages no one twice. The role may read and write its items, nothing else.
   *
   * @default - no duplicate check
   */
  readonly idempotencyTable?: ITable;

  /**
   * The customer managed key that encrypts `tokenSecret`, if any. The role may then
   * `kms:Decrypt` with that key, and only through Secrets Manager.
   *
   * @default - the secret uses the AWS managed key `aws/secretsmanager`, and no KMS permission is granted
   */
  readonly tokenEncryptionKey?: IKey;

  /**
   * Channel settings passed to the function as environment variables. Must not hold secrets:
   * environment variables are readable by anyone who can read the function's configuration.
   *
   * @default - no channel settings
   */
  readonly environment?: Record<string, string>;

  /**
   * How long the function may run. Pinpoint's function must stay below Pinpoint's 15-second wait,
   * so that it returns its per-endpoint results before Pinpoint gives up on the invocation; the
   * worker may take up to 15 minutes (then the job queue's visibility timeout must be 6 times longer).
   *
   * @default - Duration.seconds(13) for Pinpoint's function, Duration.seconds(30) for the worker
   */
  readonly timeout?: Duration;

  /**
   * Memory size in MB. Lambda gives CPU in proportion to memory (one vCPU at 1,769 MB); 256 MB is
   * chosen from the CPU a batch takes, as the README's "Cost, memory and cold start" works out.
   *
   * @default 256
   */
  readonly memorySize?: number;

  /**
   * How long the function's logs are kept.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The delivery function, its log group and its execution role.
 *
 * The role is written out statement by statement instead of using the managed
 * AWSLambdaBasicExecutionRole (which may write to any log group) and
 * `secret.grantRead` (which also grants DescribeSecret): the function may read
 * one secret and write to one log group, and nothing else.
 */
export class CustomChannelFunction extends Construct {
  public readonly function: lambda.IFunction;
  public readonly role: iam.IRole;
  public readonly logGroup: logs.ILogGroup;

  constructor(scope: Construct, id: string, props: CustomChannelFunctionProps) {
    super(scope, id);

    const worker = props.invocation === 'job-queue';
    const timeout = props.timeout ?? Duration.seconds(worker ? 30 : 13);
    if (!worker && !timeout.isUnresolved() && timeout.toMilliseconds() >= PINPOINT_MAX_WAIT.toMilliseconds()) {
      throw new Error(`CustomChannelFunction timeout must be below Pinpoint's ${PINPOINT_MAX_WAIT.toSeconds()}-second wait, got ${timeout.toHumanString()}`);
    }
    if (worker && !timeout.isUnresolved() && timeout.toMilliseconds() > JOB_QUEUE_MAX_TIMEOUT.toMilliseconds()) {
      throw new Error(`CustomChannelFunction timeout of a job-queue worker must be at most 15 minutes, got ${timeout.toHumanString()}`);
    }

    const logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    });

    const role = new iam.Role(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: worker
        ? 'Custom channel job-queue worker: reads only its token secret and its job queue, dead-letters only to its dead-letter queue, writes only its log group.'
        : 'Custom channel function for Pinpoint: reads only its token secret, sends only to its job queues, writes only its log group.',
    });
    // One statement per resource the function uses, each naming that resource's ARN.
    const allow = (sid: string, actions: string[], resource: string, conditions?: Record<string, unknown>) =>
      role.addToPrincipalPolicy(new iam.PolicyStatement({ sid, actions, resources: [resource], conditions }));
    allow('WriteOwnLogGroup', ['logs:CreateLogStream', 'logs:PutLogEvents'], logGroup.logGroupArn);
    if (props.tokenSecret) allow('ReadProviderToken', ['secretsmanager:GetSecretValue'], props.tokenSecret.secretArn);
    if (props.jobQueue && !worker) allow('EnqueueDeliveryJobs', ['sqs:SendMessage'], props.jobQueue.queueArn);
    if (props.jobQueue && worker) {
      // What the event source mapping needs to hand out jobs, and what the worker needs to delay one.
      allow('ConsumeJobQueue', ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes'], props.jobQueue.queueArn);
    }
    if (props.deadLetterQueue) allow('DeadLetterJobs', ['sqs:SendMessage'], props.deadLetterQueue.queueArn);
    if (props.endUserMessagingPhoneNumberId) {
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'SendWhatsAppFromOneNumber', actions: ['social-messaging:SendWhatsAppMessage'], resources: phoneNumberArns(this, props.endUserMessagingPhoneNumberId),
      }));
    }
    if (props.idempotencyTable) {
      allow('RememberDeliveries', ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], props.idempotencyTable.tableArn);
    }
    if (props.tokenEncryptionKey) {
      allow('DecryptProviderToken', ['kms:Decrypt'], props.tokenEncryptionKey.keyArn,
        { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com` } });
    }

    const fn = new nodejs.NodejsFunction(this, 'Function', {
      description: worker
        ? 'Sends delivery jobs from the job queue to the messaging provider, at the provider\'s rate.'
        : 'Delivers Amazon Pinpoint custom-channel batches to the messaging provider.',
      entry: path.join(__dirname, '..', '..', 'lambda', worker ? 'worker.ts' : 'handler.ts'),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout,
      role,
      logGroup,
      tracing: lambda.Tracing.ACTIVE,
      environment: {
        ...props.environment,
        ...(props.tokenSecret ? { [ENV.tokenSecretArn]: props.tokenSecret.secretArn } : {}),
        ...(props.idempotencyTable ? { [ENV.idempotencyTableName]: props.idempotencyTable.tableName } : {}),
        ...(props.jobQueue ? { [ENV.jobQueueUrl]: props.jobQueue.queueUrl } : {}),
        ...(props.deadLetterQueue ? { [ENV.deadLetterQueueUrl]: props.deadLetterQueue.queueUrl } : {}),
      },
      bundling: {
        minify: true,
        // Shipped, but not loaded: --enable-source-maps made every cold start 60-100 ms slower here
        // and the first stack trace 110-160 ms (`npm run bench`). Set NODE_OPTIONS on the function to
        // have stack traces name the TypeScript sources while debugging.
        sourceMap: true,
        target: 'node24',
        // One tree-shaken ES module with the AWS SDK clients inside: `npm run bench` measured it to import
        // in about 60 % of the time a bundle loading the runtime's CommonJS SDK takes (docs/benchmark.md).
        // The banner gives bundled CommonJS code the `require` an ES module lacks.
        format: nodejs.OutputFormat.ESM,
        mainFields: ['module', 'main'],
        banner: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);",
        // Parsing costs every cold start about 0.2 ms per KB here, so a deployment that never sends
        // through End User Messaging Social leaves its client out (it is only ever required lazily).
        externalModules: props.endUserMessagingPhoneNumberId ? [] : [SOCIAL_MESSAGING_CLIENT],
        forceDockerBundling: false,
      },
    });

    // Active tracing makes CDK add xray:PutTraceSegments/PutTelemetryRecords to the role's default policy.
    Validations.of(role.node.findChild('DefaultPolicy')).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Only the X-Ray statement that active tracing adds uses "*": xray:PutTraceSegments and '
        + 'xray:PutTelemetryRecords do not support resource-level permissions. Every other statement names one ARN.',
    });
    Validations.of(fn).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason: worker
        ? 'An SQS event source mapping invokes this function synchronously; a function dead-letter queue only receives '
          + 'failed asynchronous invocations. Jobs that fail end in the job queue\'s own dead-letter queue.'
        : 'Pinpoint invokes this function synchronously and reads its per-endpoint result; '
          + 'a dead-letter queue only receives failed asynchronous invocations, so it would never be used.',
    });

    this.function = fn;
    this.role = role;
    this.logGroup = logGroup;
  }
}

/**
 * The number's ARN, in the form the Service Authorization Reference gives its resource type
 * ("Actions, resources, and condition keys for AWS End User Messaging Social"):
 * `arn:${Partition}:social-messaging:${Region}:${Account}:phone-number-id/${OriginationPhoneNumberId}`.
 * Whether the last part is the id with or without its `phone-number-id-` prefix could not be
 * confirmed there, so both forms are named; both name this one number.
 */
function phoneNumberArns(scope: Construct, phoneNumberId: string): string[] {
  const suffix = phoneNumberId.replace(/^phone-number-id-/, '');
  return [...new Set([suffix, phoneNumberId])].map((resourceName) => Stack.of(scope).formatArn({
    service: 'social-messaging', resource: 'phone-number-id', resourceName, arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  }));
}
