import {
  Arn, ArnFormat, Aws, CfnOutput, CfnRule, Fn, RemovalPolicy, Stack, StackProps, Token, Validations,
} from 'aws-cdk-lib';
import { ConfigError } from './config-readers';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { AlarmsConfig, ChannelConfig, ConnectConfig, DeliveryTuningConfig, TokenSecretConfig } from './config';
import { CustomChannelFunction } from './constructs/custom-channel-function';
import { DeliveryAlarms } from './constructs/delivery-alarms';
import { jobDeadLetterQueue, JobQueueWorker } from './constructs/job-queue-worker';

import { ENV, MAX_ENDPOINTS, METRICS_NAMESPACE, SERVICE_NAME, STACK_OUTPUT } from '../lambda/contract';

export { METRICS_NAMESPACE, SERVICE_NAME };

export interface DeliveryStackProps extends StackProps {
  /**
   * What the function does: deliver to WhatsApp or Messenger (with a token secret, the job queue and
   * its worker, and, by default, an idempotency table), or only count endpoints (`metrics`: none of those).
   * Its settings reach the function as environment variables.
   */
  readonly channel: ChannelConfig;

  /**
   * Where the provider token lives. Not used by the metrics channel.
   *
   * @default - a new secret with a generated placeholder, encrypted with the AWS managed key
   */
  readonly tokenSecret?: TokenSecretConfig;

  /**
   * How the function sends.
   *
   * @default - 50 requests in flight at once (a whole Pinpoint batch in one round trip), and delivered
   * endpoints remembered in a DynamoDB table so that a repeated batch messages no one twice
   */
  readonly delivery?: DeliveryTuningConfig;

  /**
   * Whether the function reports each endpoint's outcome to Pinpoint (PutEvents). The permission
   * comes from the campaign stack, which knows the project, so this stack still stands alone.
   *
   * @default false
   */
  readonly reportOutcomesToPinpoint?: boolean;

  /**
   * The Amazon Connect trigger's messages and profile fields: with them, the function answers an
   * outbound campaign's custom action (batches of customer profiles) instead of Pinpoint.
   *
   * @default - the function answers Pinpoint's custom channel
   */
  readonly connect?: Pick<ConnectConfig, 'messages' | 'phoneFields'>;

  /**
   * Alarm settings.
   *
   * @default - alarms without notifications, 5 failed deliveries in 5 minutes
   */
  readonly alarms?: AlarmsConfig;

  /**
   * How long the function's logs are kept.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The delivery side: the provider token secret and the function that sends messages (or, for the
 * metrics channel, the function alone). It references no Pinpoint resource, so it deploys and works
 * on its own.
 */
export class DeliveryStack extends Stack {
  public readonly deliveryFunction: IFunction;
  public readonly executionRole: IRole;
  /** Undefined for the metrics channel, which sends nothing. */
  public readonly tokenSecret?: secretsmanager.ISecret;
  public readonly idempotencyTable?: dynamodb.ITable;
  /** The job queue, its dead-letter queue and the worker; undefined for the metrics channel. */
  public readonly jobs?: JobQueueWorker;

  constructor(scope: Construct, id: string, props: DeliveryStackProps) {
    super(scope, id, props);
    const delivers = props.channel.kind !== 'metrics';
    // End User Messaging Social is authorised by the role: no token, so no secret.
    const endUserMessagingNumber = props.channel.kind === 'whatsapp' && props.channel.api === 'aws' ? props.channel.originationPhoneNumberId : undefined;
    const needsToken = delivers && !endUserMessagingNumber;

    const encryptionKey = needsToken && props.tokenSecret?.kmsKeyArn
      ? kms.Key.fromKeyArn(this, 'TokenEncryptionKey', props.tokenSecret.kmsKeyArn)
      : undefined;
    if (needsToken) {
      const existingArn = props.tokenSecret?.existingSecretArn;
      if (existingArn) this.requireSameRegion(existingArn);
      this.tokenSecret = existingArn
        ? secretsmanager.Secret.fromSecretCompleteArn(this, 'ProviderToken', existingArn)
        : this.createTokenSecret(encryptionKey);
    }
    if (delivers && (props.delivery?.idempotency ?? true)) this.idempotencyTable = this.createIdempotencyTable();

    const environment = {
      [ENV.powertoolsServiceName]: SERVICE_NAME,
      [ENV.powertoolsMetricsNamespace]: METRICS_NAMESPACE,
      ...channelEnvironment(props),
    };
    // Any producer can feed the job queue, so every delivering channel gets it, in either mode.
    this.jobs = delivers ? new JobQueueWorker(this, 'Jobs', {
      tokenSecret: this.tokenSecret,
      endUserMessagingPhoneNumberId: endUserMessagingNumber,
      tokenEncryptionKey: encryptionKey,
      idempotencyTable: this.idempotencyTable,
      environment,
      // The construct id of the parking queue of earlier versions: an update keeps that queue, and the
      // deliveries still parked in it, as the dead-letter queue (the worker reads their format).
      deadLetterQueue: jobDeadLetterQueue(this, 'ParkingQueue'),
      messagesPerSecond: props.delivery?.messagesPerSecond,
      workerConcurrency: props.delivery?.workerConcurrency,
      logRetention: props.logRetention,
    }) : undefined;
    const queued = props.delivery?.mode === 'queued';
    const delivery = new CustomChannelFunction(this, 'Delivery', {
      tokenSecret: this.tokenSecret,
      endUserMessagingPhoneNumberId: endUserMessagingNumber,
      idempotencyTable: this.idempotencyTable,
      tokenEncryptionKey: encryptionKey,
      logRetention: props.logRetention,
      // Both modes put jobs on the queue (every endpoint, or the transient failures); only direct mode
      // dead-letters the failures it will not retry.
      jobQueue: this.jobs?.queue,
      deadLetterQueue: queued ? undefined : this.jobs?.deadLetterQueue,
      environment: { ...environment, ...(queued && this.jobs ? { [ENV.deliveryMode]: 'queued' } : {}) },
    });
    this.deliveryFunction = delivery.function;
    this.executionRole = delivery.role;

    new DeliveryAlarms(this, 'Alarms', {
      function: delivery.function,
      jobs: this.jobs && {
        queue: this.jobs.queue, deadLetterQueue: this.jobs.deadLetterQueue, worker: this.jobs.worker.function, messagesPerSecond: this.jobs.messagesPerSecond,
      },
      deliveryMetrics: delivers,
      metricsNamespace: METRICS_NAMESPACE,
      serviceName: SERVICE_NAME,
      failedDeliveriesThreshold: props.alarms?.failedDeliveriesThreshold,
      notificationEmail: props.alarms?.email,
    });

    if (this.tokenSecret) {
      new CfnOutput(this, STACK_OUTPUT.tokenSecretArn, {
        value: this.tokenSecret.secretArn,
        description: 'Put the provider token here: aws secretsmanager put-secret-value --secret-id <this ARN> --secret-string file://token.json',
      });
    }
    new CfnOutput(this, STACK_OUTPUT.deliveryFunctionArn, { value: this.deliveryFunction.functionArn });
    new CfnOutput(this, STACK_OUTPUT.deliveryFunctionName, { value: this.deliveryFunction.functionName });
    new CfnOutput(this, STACK_OUTPUT.deliveryLogGroupName, { value: delivery.logGroup.logGroupName });
    if (this.jobs) {
      new CfnOutput(this, STACK_OUTPUT.jobQueueUrl, { value: this.jobs.queue.queueUrl, description: 'Delivery jobs go here (see the README\'s job contract)' });
      new CfnOutput(this, STACK_OUTPUT.jobDeadLetterQueueUrl, {
        value: this.jobs.deadLetterQueue.queueUrl,
        description: 'Jobs done trying wait here: npm run redrive -- --dead-letter-queue-url <this URL> --job-queue-url <JobQueueUrl>',
      });
      new CfnOutput(this, STACK_OUTPUT.workerFunctionName, { value: this.jobs.worker.function.functionName });
      new CfnOutput(this, STACK_OUTPUT.workerLogGroupName, { value: this.jobs.worker.logGroup.logGroupName });
    }
  }

  /**
   * The function reads the secret through its own Region's Secrets Manager endpoint, so a secret of
   * another Region could never be read. Checked at synth when the stack's Region is known, and by a
   * template rule before anything is created when it is not.
   */
  private requireSameRegion(secretArn: string): void {
    const secretRegion = Arn.split(secretArn, ArnFormat.COLON_RESOURCE_NAME).region;
    if (!Token.isUnresolved(this.region) && secretRegion !== this.region) {
      throw new ConfigError('tokenSecretArn', `a secret in the stack's Region ${this.region}`, secretArn);
    }
    new CfnRule(this, 'TokenSecretInStackRegion', {
      assertions: [{
        assert: Fn.conditionEquals(secretRegion, Aws.REGION),
        assertDescription: `tokenSecretArn is in ${secretRegion}; the function can only read a secret in the stack's own Region`,
      }],
    });
  }

  /**
   * Powertools' idempotency records, one per delivered endpoint, removed by TTL. Losing the table
   * only loses the duplicate check for messages still in flight, so it goes with the stack.
   */
  private createIdempotencyTable(): dynamodb.ITable {
    const table = new dynamodb.Table(this, 'IdempotencyTable', {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: 'expiration',
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    new CfnOutput(this, STACK_OUTPUT.idempotencyTableName, {
      value: table.tableName,
      description: 'Delivered endpoints are remembered here: npm run redrive -- --idempotency-table <this name>',
    });
    return table;
  }

  private createTokenSecret(encryptionKey: kms.IKey | undefined): secretsmanager.ISecret {
    const secret = new secretsmanager.Secret(this, 'ProviderToken', {
      description: 'Messaging provider token for the Pinpoint custom channel, as {"accessToken":"..."}. '
        + 'Created with a random placeholder; put the real token in after deploying.',
      encryptionKey,
      // A random placeholder, so that no token value is ever written into the template.
      generateSecretString: {
        secretStringTemplate: JSON.stringify({}),
        generateStringKey: 'accessToken',
        excludePunctuation: true,
        passwordLength: 32,
      },
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'The secret holds a token issued by Meta (a WhatsApp System User token), which Secrets Manager '
        + 'cannot rotate. It is replaced with put-secret-value when Meta issues a new one, and the function '
        + 're-reads the secret when the provider rejects the cached token.',
    });
    return secret;
  }
}

/** The function's settings for its channel, as its environment (lambda/config.ts reads them). */
function channelEnvironment(props: DeliveryStackProps): Record<string, string> {
  const channel = props.channel;
  if (channel.kind === 'metrics') return { [ENV.channel]: channel.kind };
  const common = {
    [ENV.channel]: channel.kind,
    ...(props.connect ? {
      [ENV.trigger]: 'connect',
      [ENV.connectMessages]: JSON.stringify(props.connect.messages),
      [ENV.connectPhoneFields]: props.connect.phoneFields.join(','),
    } : {}),
    [ENV.maxConcurrency]: String(props.delivery?.concurrency ?? MAX_ENDPOINTS),
    [ENV.reportToPinpoint]: String(props.reportOutcomesToPinpoint ?? false),
    [ENV.graphApiVersion]: channel.graphApiVersion,
    [ENV.graphApiBaseUrl]: channel.graphApiBaseUrl,
  };
  if (channel.kind === 'messenger') {
    return { ...common, [ENV.messengerPageId]: channel.pageId, [ENV.messengerPsidAttribute]: channel.psidAttribute };
  }
  if (channel.api === 'aws') {
    // The Meta API version End User Messaging Social passes the message on with is the same setting.
    const { [ENV.graphApiBaseUrl]: _unused, ...rest } = common;
    return { ...rest, [ENV.whatsappApi]: 'aws', [ENV.whatsappOriginationPhoneNumberId]: channel.originationPhoneNumberId ?? '' };
  }
  return { ...common, ...(channel.phoneNumberId ? { [ENV.whatsappPhoneNumberId]: channel.phoneNumberId } : {}) };
}
