/**
 * The Lambda entry point: reads the configuration once per container, wires the adapters to the
 * Pinpoint trigger and the delivery core, and turns each batch's summary into metrics; or, for the
 * metrics-only channel, counts the batch's endpoints.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { SqsJobQueue } from './adapters/sqs-job-queue';
import { type DeliveryAdapters, deliveryAdapters } from './adapters/wiring';
import { CHANNEL_TYPE_METRIC, type ChannelTypeGroup, ENV, isObject, METRIC, METRICS_NAMESPACE, SERVICE_NAME } from './contract';
import { ConfigurationError, type DeliveryConfig, loadFunctionConfig } from './config';
import { DEFAULT_SETTINGS, systemClock } from './core';
import type { JobQueue } from './domain';
import { countEndpoints } from './metrics-channel';
import { type ConnectBatchOutcome, deliverConnectBatch } from './triggers/connect/batch';
import type { ConnectResponse } from './triggers/connect/response';
import { type BatchOutcome, deliverBatch } from './triggers/pinpoint/batch';
import { campaignIds } from './triggers/pinpoint/event';

/**
 * Time kept back from the Lambda deadline after the last send: handing the failures on and reporting the
 * outcomes (each bounded by DEFAULT_SETTINGS.settleTimeoutMs), publishing metrics, returning.
 */
const RESPONSE_MARGIN_MS = 2 * DEFAULT_SETTINGS.settleTimeoutMs + 300;

const serviceName = process.env[ENV.powertoolsServiceName] ?? SERVICE_NAME;
const logger = new Logger({ serviceName });
const metrics = new Metrics({ namespace: process.env[ENV.powertoolsMetricsNamespace] ?? METRICS_NAMESPACE, serviceName });

interface DeliveryRuntime extends DeliveryAdapters {
  readonly kind: 'delivery';
  readonly config: DeliveryConfig;
  /** Where queued mode puts every job, and direct mode its failures. */
  readonly jobs: JobQueue;
}

/** Built at cold start; a configuration problem is kept and reported by every invocation. */
const runtime: DeliveryRuntime | { readonly kind: 'metrics' } | ConfigurationError = (() => {
  try {
    const config = loadFunctionConfig(process.env);
    if (config.channel === 'metrics') return { kind: 'metrics' } as const;
    return {
      kind: 'delivery' as const,
      config,
      ...deliveryAdapters(config),
      jobs: new SqsJobQueue(new SQSClient({}), config.jobQueueUrl, config.deadLetterQueueUrl),
    };
  } catch (error) {
    if (error instanceof ConfigurationError) return error;
    throw error;
  }
})();

export const handler = async (event: unknown, context: Context): Promise<BatchOutcome['response'] | ConnectResponse> => {
  logger.addContext(context);
  if (runtime instanceof ConfigurationError) {
    logger.error(runtime.message);
    throw runtime;
  }
  if (runtime.kind === 'metrics') {
    const counted = countEndpoints(event, Date.now());
    if (counted.problem) logger.error(`Rejected the event: ${counted.problem}`);
    // One EMF line, printed as it is: CloudWatch Logs turns it into metrics in the function's log group.
    if (counted.emf) process.stdout.write(`${counted.emf}\n`);
    return counted.response;
  }
  const startedAt = Date.now();
  try {
    const { config } = runtime;
    const deps = {
      provider: runtime.provider,
      tokens: runtime.tokens,
      jobs: runtime.jobs,
      reporter: runtime.reporter,
      guard: runtime.guard,
      clock: systemClock,
      deadline: startedAt + context.getRemainingTimeInMillis() - RESPONSE_MARGIN_MS,
      logger: withCampaignIds(event),
      settings: {
        ...DEFAULT_SETTINGS,
        concurrency: config.concurrency,
        requestTimeoutMs: config.requestTimeoutMs,
        retry: { ...DEFAULT_SETTINGS.retry, maxAttempts: config.maxAttempts },
      },
    };
    const outcome = config.connect
      ? await deliverConnectBatch(event, deps, config.connect, config.deliveryMode)
      : await deliverBatch(event, deps, config.deliveryMode);
    recordMetrics(outcome, Date.now() - startedAt);
    return outcome.response;
  } catch (error) {
    logger.error('Nothing was sent', { error: (error as Error).message, errorName: (error as Error).name });
    throw error;
  } finally {
    metrics.publishStoredMetrics();
    logger.resetKeys();
  }
};

/** Every log line of this invocation carries the campaign's ids, so one batch can be followed. */
function withCampaignIds(event: unknown): Logger {
  const record = isObject(event) ? event : {};
  const connect = isObject(record.InvocationMetadata) && isObject(record.InvocationMetadata.CampaignContext) ? record.InvocationMetadata.CampaignContext : undefined;
  const found = connect ? { campaignId: connect.CampaignId, runId: connect.RunId, activityId: connect.ActionId } : campaignIds(record);
  const ids = Object.entries(found).filter(([, value]) => typeof value === 'string' && value !== '');
  logger.appendKeys(Object.fromEntries(ids));
  return logger;
}

/** One EMF log line per invocation: no CloudWatch API call, no extra latency. */
function recordMetrics({ summary }: BatchOutcome | ConnectBatchOutcome, durationMs: number): void {
  const count = (name: string, value: number) => metrics.addMetric(name, MetricUnit.Count, value);
  count(METRIC.delivered, summary.delivered);
  count(METRIC.failed, summary.failed);
  count(METRIC.skipped, summary.skipped);
  count(METRIC.retrying, summary.retrying);
  count(METRIC.queued, summary.queued);
  count(METRIC.unsaved, summary.unsaved);
  count(METRIC.reportFailed, summary.reportFailed);
  count(METRIC.alreadyDelivered, summary.alreadyDelivered);
  count(METRIC.retried, summary.retried);
  count(METRIC.throttled, summary.throttled);
  count(METRIC.endpointCount, summary.endpoints);
  // Pinpoint's channel types; a Connect batch has profiles, not endpoint types.
  if ('channelTypes' in summary) for (const [group, name] of Object.entries(CHANNEL_TYPE_METRIC)) count(name, summary.channelTypes[group as ChannelTypeGroup]);
  metrics.addMetric(METRIC.batchDuration, MetricUnit.Milliseconds, durationMs);
}
