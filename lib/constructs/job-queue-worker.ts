import { Duration, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DEFAULT_MAX_RECEIVES, DEFAULT_MESSAGES_PER_SECOND, DEFAULT_WORKER_CONCURRENCY, ENV, MAX_MESSAGES_PER_SECOND } from '../../lambda/contract';
import { CustomChannelFunction } from './custom-channel-function';

export interface JobQueueWorkerProps {
  /**
   * The provider token the worker reads.
   *
   * @default - no token (End User Messaging Social, authorised by the role)
   */
  readonly tokenSecret?: ISecret;

  /**
   * The End User Messaging Social number (`phone-number-id-…`) the worker may send WhatsApp messages from.
   *
   * @default - none (the Graph API, with the token)
   */
  readonly endUserMessagingPhoneNumberId?: string;

  /**
   * The customer managed key that encrypts `tokenSecret`, if any.
   *
   * @default - the AWS managed key
   */
  readonly tokenEncryptionKey?: IKey;

  /**
   * The duplicate check's table, shared with the Pinpoint function, so that a job is sent once
   * however often SQS hands it out.
   *
   * @default - no duplicate check
   */
  readonly idempotencyTable?: ITable;

  /**
   * The channel's settings as the worker's environment (the same variables as the Pinpoint function's).
   *
   * @default - none
   */
  readonly environment?: Record<string, string>;

  /**
   * The rate the phone number (or Page) receives, across all workers: each worker sends its share,
   * `messagesPerSecond / workerConcurrency`.
   *
   * @default 80 (WhatsApp's default throughput per phone number)
   */
  readonly messagesPerSecond?: number;

  /**
   * Workers receiving at once: the event source mapping's maximum concurrency (2 to 1,000).
   *
   * @default 2
   */
  readonly workerConcurrency?: number;

  /**
   * Receives after which a job that still fails transiently is dead-lettered by the worker with its
   * last error. The queue's own redrive policy, two receives later, is the safety net.
   *
   * @default 8
   */
  readonly maxReceives?: number;

  /**
   * Where jobs end that are done trying, for a person or for a redrive: SQS-managed encryption, TLS
   * only, 14 days, like the one this construct would create (`jobDeadLetterQueue`).
   *
   * @default - a new queue
   */
  readonly deadLetterQueue?: sqs.IQueue;

  /**
   * How long the worker's logs are kept.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

/** A dead-letter queue for the job queue: SQS-managed encryption, TLS only, 14 days (SQS's maximum). */
export function jobDeadLetterQueue(scope: Construct, id: string): sqs.Queue {
  const queue = new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  // cdk-nag's AwsSolutions pack sees that this is a dead-letter queue; the Serverless pack does not.
  Validations.of(queue).acknowledge({
    id: 'Serverless-SQSRedrivePolicy',
    reason: 'This is the dead-letter queue of the job queue: jobs end here for a person, or for a redrive back to the job '
      + 'queue (npm run redrive). A dead-letter queue of its own would only move them further away.',
  });
  return queue;
}

/** The most jobs per worker invocation (above SQS's 10 per receive, the mapping gathers several receives). */
export const JOB_BATCH_SIZE = 100;

/** How long one worker invocation may take; the queue's visibility timeout is six times this, as AWS advises. */
const WORKER_TIMEOUT = Duration.seconds(30);

/** Of the worker's timeout, the time a batch is sized to take at full rate; the rest absorbs a throttled (halved) rate. */
const BATCH_SENDING_SECONDS = 20;

/**
 * Jobs per invocation for a worker whose share of the rate is `ratePerSecond`: what it sends in
 * BATCH_SENDING_SECONDS, at most JOB_BATCH_SIZE. A larger batch than the share can send before the
 * deadline would hand jobs back unsent, each receive counting towards the dead-letter queue.
 */
export function jobBatchSize(ratePerSecond: number): number {
  return Math.max(1, Math.min(JOB_BATCH_SIZE, Math.floor(ratePerSecond * BATCH_SENDING_SECONDS)));
}

/**
 * The job queue, its dead-letter queue, and the worker that sends its jobs at the provider's rate:
 * SQS with a Lambda event source mapping (maximum concurrency, partial batch responses), no
 * scheduler of our own. Any producer may put jobs on the queue (see the README's job contract).
 */
export class JobQueueWorker extends Construct {
  public readonly queue: sqs.IQueue;
  public readonly deadLetterQueue: sqs.IQueue;
  public readonly worker: CustomChannelFunction;
  public readonly messagesPerSecond: number;

  constructor(scope: Construct, id: string, props: JobQueueWorkerProps) {
    super(scope, id);
    const messagesPerSecond = props.messagesPerSecond ?? DEFAULT_MESSAGES_PER_SECOND;
    const workerConcurrency = props.workerConcurrency ?? DEFAULT_WORKER_CONCURRENCY;
    const maxReceives = props.maxReceives ?? DEFAULT_MAX_RECEIVES;
    if (!Number.isInteger(messagesPerSecond) || messagesPerSecond < 1 || messagesPerSecond > MAX_MESSAGES_PER_SECOND) {
      throw new Error(`JobQueueWorker messagesPerSecond must be a whole number from 1 to ${MAX_MESSAGES_PER_SECOND}, got ${messagesPerSecond}`);
    }
    if (!Number.isInteger(workerConcurrency) || workerConcurrency < 2 || workerConcurrency > 1000) {
      throw new Error(`JobQueueWorker workerConcurrency must be a whole number from 2 to 1000 (SQS's bounds), got ${workerConcurrency}`);
    }
    if (!Number.isInteger(maxReceives) || maxReceives < 1 || maxReceives > 100) {
      throw new Error(`JobQueueWorker maxReceives must be a whole number from 1 to 100, got ${maxReceives}`);
    }

    const deadLetterQueue = props.deadLetterQueue ?? jobDeadLetterQueue(this, 'DeadLetterQueue');

    const queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Jobs may wait out a provider outage; what is still here after 14 days would be stale anyway.
      retentionPeriod: Duration.days(14),
      visibilityTimeout: Duration.seconds(WORKER_TIMEOUT.toSeconds() * 6),
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: maxReceives + 2 },
    });

    const worker = new CustomChannelFunction(this, 'Worker', {
      invocation: 'job-queue',
      tokenSecret: props.tokenSecret,
      endUserMessagingPhoneNumberId: props.endUserMessagingPhoneNumberId,
      tokenEncryptionKey: props.tokenEncryptionKey,
      idempotencyTable: props.idempotencyTable,
      jobQueue: queue,
      deadLetterQueue,
      timeout: WORKER_TIMEOUT,
      logRetention: props.logRetention,
      environment: {
        ...props.environment,
        [ENV.messagesPerSecond]: String(messagesPerSecond),
        [ENV.workerConcurrency]: String(workerConcurrency),
        [ENV.maxReceives]: String(maxReceives),
      },
    });
    const mapping = worker.function.addEventSourceMapping('JobQueue', {
      eventSourceArn: queue.queueArn,
      // At a worker's share of the rate, a batch takes seconds; the gap between two invocations (the last
      // answer, the duplicate check, the next receive) then costs a few percent of the rate (docs/benchmark.md).
      batchSize: jobBatchSize(messagesPerSecond / workerConcurrency),
      // Fuller batches when jobs trickle in; a second is nothing next to the pace.
      maxBatchingWindow: Duration.seconds(1),
      maxConcurrency: workerConcurrency,
      reportBatchItemFailures: true,
    });
    Validations.of(mapping).acknowledge({
      id: 'Serverless-LambdaEventSourceMappingDestination',
      reason: 'An SQS event source mapping has no on-failure destination: a record that keeps failing goes to the queue\'s '
        + 'dead-letter queue (redrive policy), and the worker dead-letters jobs itself with their last error.',
    });

    this.queue = queue;
    this.deadLetterQueue = deadLetterQueue;
    this.worker = worker;
    this.messagesPerSecond = messagesPerSecond;
  }
}
