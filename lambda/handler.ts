/**
 * The Lambda entry point: reads the configuration once per container, then hands each Pinpoint
 * batch to the delivery core and turns its summary into metrics.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { PinpointClient } from '@aws-sdk/client-pinpoint';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { ConfigurationError, DeliveryConfig, loadDeliveryConfig } from './config';
import { BatchOutcome, deliverBatch, DEFAULT_SETTINGS } from './core';
import { campaignIds, isObject } from './event';
import { PowertoolsDeliveryGuard } from './idempotency';
import { SqsParkingLot } from './parking';
import { PinpointOutcomeReporter } from './reporting';
import { WhatsAppProvider } from './providers/whatsapp';
import { systemClock } from './retry';
import { SecretsManagerTokenSource } from './token';

/**
 * Time kept back from the Lambda deadline after the last send: parking the failures and reporting the
 * outcomes (each bounded by DEFAULT_SETTINGS.settleTimeoutMs), publishing metrics, returning.
 */
const RESPONSE_MARGIN_MS = 2 * DEFAULT_SETTINGS.settleTimeoutMs + 300;

const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'pinpoint-custom-channel' });
const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'PinpointCustomChannel',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'pinpoint-custom-channel',
});

interface Runtime {
  readonly config: DeliveryConfig;
  readonly provider: WhatsAppProvider;
  readonly tokens: SecretsManagerTokenSource;
  readonly parking: SqsParkingLot;
  readonly reporter?: PinpointOutcomeReporter;
  readonly guard?: PowertoolsDeliveryGuard;
}

/** Built at cold start; a configuration problem is kept and reported by every invocation. */
const runtime: Runtime | ConfigurationError = (() => {
  try {
    const config = loadDeliveryConfig(process.env);
    const provider = new WhatsAppProvider(config.whatsApp);
    return {
      config,
      provider,
      tokens: new SecretsManagerTokenSource(config.tokenSecretArn, config.tokenCacheSeconds),
      parking: new SqsParkingLot(new SQSClient({}), config.parkingQueueUrl),
      reporter: config.reportToPinpoint ? new PinpointOutcomeReporter(new PinpointClient({}), provider.channel) : undefined,
      guard: config.idempotencyTableName ? new PowertoolsDeliveryGuard(config.idempotencyTableName, config.idempotencyTtlSeconds) : undefined,
    };
  } catch (error) {
    if (error instanceof ConfigurationError) return error;
    throw error;
  }
})();

export const handler = async (event: unknown, context: Context): Promise<BatchOutcome['response']> => {
  logger.addContext(context);
  if (runtime instanceof ConfigurationError) {
    logger.error(runtime.message);
    throw runtime;
  }
  const startedAt = Date.now();
  runtime.guard?.registerLambdaContext(context);
  try {
    const outcome = await deliverBatch(event, {
      provider: runtime.provider,
      tokens: runtime.tokens,
      parking: runtime.parking,
      reporter: runtime.reporter,
      guard: runtime.guard,
      clock: systemClock,
      deadline: startedAt + context.getRemainingTimeInMillis() - RESPONSE_MARGIN_MS,
      logger: withCampaignIds(event),
      settings: {
        ...DEFAULT_SETTINGS,
        concurrency: runtime.config.concurrency,
        requestTimeoutMs: runtime.config.requestTimeoutMs,
        retry: { ...DEFAULT_SETTINGS.retry, maxAttempts: runtime.config.maxAttempts },
      },
    });
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
  const ids = Object.entries(campaignIds(isObject(event) ? event : {})).filter(([, value]) => value !== undefined);
  logger.appendKeys(Object.fromEntries(ids));
  return logger;
}

/** One EMF log line per invocation: no CloudWatch API call, no extra latency. */
function recordMetrics({ summary }: BatchOutcome, durationMs: number): void {
  metrics.addMetric('Delivered', MetricUnit.Count, summary.delivered);
  metrics.addMetric('Failed', MetricUnit.Count, summary.failed);
  metrics.addMetric('Skipped', MetricUnit.Count, summary.skipped);
  metrics.addMetric('Parked', MetricUnit.Count, summary.parked);
  metrics.addMetric('ParkingFailed', MetricUnit.Count, summary.parkingFailed);
  metrics.addMetric('ReportFailed', MetricUnit.Count, summary.reportFailed);
  metrics.addMetric('AlreadyDelivered', MetricUnit.Count, summary.alreadyDelivered);
  metrics.addMetric('Retried', MetricUnit.Count, summary.retried);
  metrics.addMetric('Throttled', MetricUnit.Count, summary.throttled);
  metrics.addMetric('EndpointCount', MetricUnit.Count, summary.endpoints);
  metrics.addMetric('CustomCount', MetricUnit.Count, summary.channelTypes.CUSTOM);
  metrics.addMetric('SMSCount', MetricUnit.Count, summary.channelTypes.SMS);
  metrics.addMetric('EmailCount', MetricUnit.Count, summary.channelTypes.EMAIL);
  metrics.addMetric('VoiceCount', MetricUnit.Count, summary.channelTypes.VOICE);
  metrics.addMetric('PushCount', MetricUnit.Count, summary.channelTypes.PUSH);
  metrics.addMetric('BatchDuration', MetricUnit.Milliseconds, durationMs);
}
