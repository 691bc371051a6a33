/**
 * The job-queue worker's entry point: an SQS event source mapping hands it batches of delivery jobs;
 * it sends them at its share of the provider's rate through the same core as the Pinpoint function,
 * and answers with the records SQS must hand out again (partial batch response).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { SqsJobQueue } from './adapters/sqs-job-queue';
import { type DeliveryAdapters, deliveryAdapters } from './adapters/wiring';
import { ENV, METRIC, METRICS_NAMESPACE, SERVICE_NAME } from './contract';
import { ConfigurationError, loadWorkerConfig, type WorkerConfig } from './config';
import { DEFAULT_SETTINGS, systemClock, TokenPacer } from './core';
import { DEFAULT_WORKER_SETTINGS, processJobs, type WorkerSummary } from './triggers/sqs/jobs';

/** Kept back from the Lambda deadline for dead-lettering, reporting and answering. */
const RESPONSE_MARGIN_MS = 4000;

const serviceName = process.env[ENV.powertoolsServiceName] ?? SERVICE_NAME;
const logger = new Logger({ serviceName });
const metrics = new Metrics({ namespace: process.env[ENV.powertoolsMetricsNamespace] ?? METRICS_NAMESPACE, serviceName });

interface WorkerRuntime extends DeliveryAdapters {
  readonly config: WorkerConfig;
  readonly queue: SqsJobQueue;
  /** One per container, so that the pace holds across the batches it receives. */
  readonly pacer: TokenPacer;
}

const runtime: WorkerRuntime | ConfigurationError = (() => {
  try {
    const config = loadWorkerConfig(process.env);
    return {
      config,
      ...deliveryAdapters(config),
      queue: new SqsJobQueue(new SQSClient({}), config.jobQueueUrl, config.deadLetterQueueUrl),
      pacer: new TokenPacer(systemClock, { ratePerSecond: config.ratePerSecond }),
    };
  } catch (error) {
    if (error instanceof ConfigurationError) return error;
    throw error;
  }
})();

export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  logger.addContext(context);
  if (runtime instanceof ConfigurationError) {
    logger.error(runtime.message);
    throw runtime;
  }
  const startedAt = Date.now();
  try {
    const records = (event.Records ?? []).map((record) => ({
      messageId: record.messageId, receiptHandle: record.receiptHandle, body: record.body,
      receiveCount: Number(record.attributes?.ApproximateReceiveCount ?? '1'),
    }));
    const outcome = await processJobs(records, {
      provider: runtime.provider, tokens: runtime.tokens, reporter: runtime.reporter, guard: runtime.guard, pacer: runtime.pacer,
      queue: runtime.queue, channel: runtime.config.channel, clock: systemClock, logger,
      deadline: startedAt + context.getRemainingTimeInMillis() - RESPONSE_MARGIN_MS,
      // A job that fails transiently goes back to the queue and comes again at pace: no retry in here.
      settings: { ...DEFAULT_SETTINGS, requestTimeoutMs: runtime.config.requestTimeoutMs, retry: { ...DEFAULT_SETTINGS.retry, maxAttempts: 1 } },
      worker: { ...DEFAULT_WORKER_SETTINGS, maxReceives: runtime.config.maxReceives },
    });
    recordMetrics(outcome.summary);
    return { batchItemFailures: outcome.batchItemFailures };
  } catch (error) {
    // Nothing was sent (the token could not be read): every record comes back later.
    logger.error('Nothing was sent', { error: (error as Error).message, errorName: (error as Error).name });
    throw error;
  } finally {
    metrics.publishStoredMetrics();
  }
};

function recordMetrics(summary: WorkerSummary): void {
  const count = (name: string, value: number) => metrics.addMetric(name, MetricUnit.Count, value);
  count(METRIC.delivered, summary.delivered);
  count(METRIC.failed, summary.failed);
  count(METRIC.alreadyDelivered, summary.alreadyDelivered);
  count(METRIC.retried, summary.retried);
  count(METRIC.throttled, summary.throttled);
  count(METRIC.deadLettered, summary.deadLettered);
  count(METRIC.expired, summary.expired);
  count(METRIC.malformedJobs, summary.malformed);
  count(METRIC.requests, summary.requests);
}
