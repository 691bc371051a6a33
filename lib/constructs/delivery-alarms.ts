import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRIC, METRICS_NAMESPACE, SERVICE_NAME } from '../../lambda/contract';

export interface DeliveryAlarmsProps {
  readonly function: lambda.IFunction;

  /**
   * The job queue, its dead-letter queue and the worker, alarmed when a job is dead-lettered, when the
   * oldest job is older than the backlog should take at `messagesPerSecond`, when the worker fails,
   * and when more than 5 % of its requests are throttled.
   *
   * @default - no job queue alarms
   */
  readonly jobs?: {
    readonly queue: sqs.IQueue;
    readonly deadLetterQueue: sqs.IQueue;
    readonly worker: lambda.IFunction;
    readonly messagesPerSecond: number;
  };

  /**
   * Whether the function publishes delivery metrics (Failed, UnsavedFailures) to alarm on.
   *
   * @default true
   */
  readonly deliveryMetrics?: boolean;

  /**
   * Namespace the function's EMF metrics are published under.
   *
   * @default METRICS_NAMESPACE of the contract module
   */
  readonly metricsNamespace?: string;

  /**
   * The `service` dimension of the function's EMF metrics.
   *
   * @default SERVICE_NAME of the contract module
   */
  readonly serviceName?: string;

  /**
   * Failed deliveries in 5 minutes that raise the alarm. Some failures are normal (a number that is
   * not on WhatsApp), so the default leaves room for a few.
   *
   * @default 5
   */
  readonly failedDeliveriesThreshold?: number;

  /**
   * Maximum duration that raises the alarm. Pinpoint stops waiting after 15 seconds.
   *
   * @default Duration.seconds(12)
   */
  readonly durationThreshold?: Duration;

  /**
   * Email address told when an alarm goes off, through an SNS topic.
   *
   * @default - no topic; the alarms only show in CloudWatch
   */
  readonly notificationEmail?: string;
}

/** The alarms an operator needs on the delivery side, optionally sent to an email address. */
export class DeliveryAlarms extends Construct {
  public readonly alarms: cloudwatch.Alarm[];
  public readonly topic?: sns.ITopic;

  constructor(scope: Construct, id: string, props: DeliveryAlarmsProps) {
    super(scope, id);
    const period = Duration.minutes(5);
    const custom = (metricName: string) => new cloudwatch.Metric({
      namespace: props.metricsNamespace ?? METRICS_NAMESPACE,
      metricName,
      dimensionsMap: { service: props.serviceName ?? SERVICE_NAME },
      statistic: cloudwatch.Stats.SUM,
      period,
    });
    const alarm = (alarmId: string, description: string, metric: cloudwatch.IMetric, threshold: number) => new cloudwatch.Alarm(this, alarmId, {
      alarmDescription: description,
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // No invocations means nothing is wrong.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const durationThreshold = props.durationThreshold ?? Duration.seconds(12);
    const failedThreshold = props.failedDeliveriesThreshold ?? 5;
    if (!Number.isInteger(failedThreshold) || failedThreshold < 1) {
      throw new Error(`DeliveryAlarms failedDeliveriesThreshold must be a whole number of at least 1, got ${failedThreshold}`);
    }
    const delivers = props.deliveryMetrics ?? true;
    this.alarms = [
      alarm('Errors', 'The delivery function threw: nothing of that batch was sent (configuration or token problem).',
        props.function.metricErrors({ period, statistic: cloudwatch.Stats.SUM }), 1),
      alarm('Throttles', 'Lambda throttled the delivery function: Pinpoint batches were refused.',
        props.function.metricThrottles({ period, statistic: cloudwatch.Stats.SUM }), 1),
      alarm('Duration', `A batch took ${durationThreshold.toSeconds()} s or more; Pinpoint stops waiting at 15 s.`,
        props.function.metricDuration({ period, statistic: cloudwatch.Stats.MAXIMUM }), durationThreshold.toMilliseconds()),
    ];
    if (props.jobs) this.alarms.push(...this.jobAlarms(props.jobs, alarm, custom, period));
    if (delivers) {
      this.alarms.push(
        alarm('FailedDeliveries', 'Deliveries are failing (see the Failed metric and the function\'s logs).',
          custom(METRIC.failed), failedThreshold),
        alarm('UnsavedFailures', 'Failed deliveries could not be put on the job queue or its dead-letter queue: they can only be resent by hand from the logs.',
          custom(METRIC.unsaved), 1),
      );
    }

    if (props.notificationEmail) {
      this.topic = this.createTopic(props.notificationEmail);
      const notify = new actions.SnsAction(this.topic);
      for (const each of this.alarms) each.addAlarmAction(notify);
    }
  }

  private jobAlarms(
    jobs: NonNullable<DeliveryAlarmsProps['jobs']>,
    alarm: (id: string, description: string, metric: cloudwatch.IMetric, threshold: number) => cloudwatch.Alarm,
    custom: (name: string) => cloudwatch.Metric, period: Duration,
  ): cloudwatch.Alarm[] {
    // Slack for the batching window, retry delays and a worker's cold start.
    const backlogSlackSeconds = 300;
    return [
      alarm('JobsDeadLettered', 'Delivery jobs reached the dead-letter queue: see their errorCode, then npm run redrive.',
        jobs.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: cloudwatch.Stats.MAXIMUM }), 1),
      alarm('JobBacklogBehind', `The oldest job is older than the backlog should take at ${jobs.messagesPerSecond} per second: the workers are behind or stopped.`,
        new cloudwatch.MathExpression({
          expression: `age - visible / ${jobs.messagesPerSecond}`,
          usingMetrics: {
            age: jobs.queue.metricApproximateAgeOfOldestMessage({ period, statistic: cloudwatch.Stats.MAXIMUM }),
            visible: jobs.queue.metricApproximateNumberOfMessagesVisible({ period, statistic: cloudwatch.Stats.MAXIMUM }),
          },
          period,
        }), backlogSlackSeconds),
      alarm('WorkerErrors', 'The worker threw: its batch comes back later (token or configuration problem).',
        jobs.worker.metricErrors({ period, statistic: cloudwatch.Stats.SUM }), 1),
      alarm('ThrottledShare', 'Over 5 % of the worker\'s requests were throttled: lower messagesPerSecond to what the number can take.',
        new cloudwatch.MathExpression({
          expression: 'IF(requests > 0, throttled / requests, 0)',
          usingMetrics: { throttled: custom(METRIC.throttled), requests: custom(METRIC.requests) },
          period,
        }), 0.05),
    ];
  }

  /**
   * CloudWatch cannot publish to a topic encrypted with the AWS managed SNS key, so the topic gets
   * its own key, which only CloudWatch (for this account) may use besides the account itself.
   */
  private createTopic(email: string): sns.ITopic {
    const key = new kms.Key(this, 'TopicKey', {
      description: 'Encrypts the delivery alarm topic; CloudWatch alarms may use it to publish.',
      enableKeyRotation: true,
    });
    key.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'CloudWatchAlarmsPublish',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
    }));
    const topic = new sns.Topic(this, 'Topic', { masterKey: key, enforceSSL: true, displayName: 'Pinpoint custom channel alarms' });
    const subscription = topic.addSubscription(new subscriptions.EmailSubscription(email));
    Validations.of(subscription).acknowledge({
      id: 'Serverless-SNSRedrivePolicy',
      reason: 'The email is a notification of an alarm whose state CloudWatch keeps and shows; an email '
        + 'SNS could not deliver loses no information, so a dead-letter queue would hold nothing of use.',
    });
    return topic;
  }
}
