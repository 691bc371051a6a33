/**
 * The trigger-independent pipeline: jobs → guard → send with retry → hand failures on → report → summary. A
 * trigger turns its event into jobs (and results for what it will not send), calls this, and turns
 * the results into its own response.
 */
import { BATCH_SUMMARY_MESSAGE } from '../contract';
import {
  type CampaignIds, type DeliveryJob, type EndpointResult, type EndpointStatus, type JobQueue, maskEndpointId, type QueuedJob,
} from '../domain';
import type { DeliveryDeps } from './deps';
import { failed, isResult } from './results';
import { sendJobs, type SendCounters } from './sender';
import { handOff, report } from './settle';

export interface DeliverySummary {
  readonly endpoints: number;
  readonly delivered: number;
  readonly failed: number;
  readonly skipped: number;
  /** Failed transiently and handed to the job queue, for the worker to retry at pace. */
  readonly retrying: number;
  /** Handed to the job queue (queued mode). */
  readonly queued: number;
  /** Failed endpoints neither the job queue nor its dead-letter queue took. Any is an alarm: they can only be resent by hand. */
  readonly unsaved: number;
  /** Endpoints whose outcome could not be reported (0 when reporting is off). */
  readonly reportFailed: number;
  /** Endpoints an earlier invocation had already delivered: not messaged again. */
  readonly alreadyDelivered: number;
  /** Requests repeated after a transient failure. */
  readonly retried: number;
  /** Answers in which the provider asked to slow down. */
  readonly throttled: number;
}

export interface PipelineOutcome {
  /** One per item, in the items' order. */
  readonly results: EndpointResult[];
  readonly summary: DeliverySummary;
}

/** Fields a trigger adds to the batch's summary log line. */
export type SummaryFields = Record<string, unknown>;

/**
 * Delivers `items`: each is a job to send, or a result the trigger already decided (skipped, or
 * failed a check). Throws only when nothing was sent (the token cannot be read).
 */
export async function deliver(
  ids: CampaignIds, items: ReadonlyArray<DeliveryJob | EndpointResult>, deps: DeliveryDeps, fields: SummaryFields = {},
): Promise<PipelineOutcome> {
  const jobs = items.filter((item): item is DeliveryJob => !isResult(item));
  const sent = await sendJobs(jobs, deps);
  const byEndpoint = new Map(sent.results.map((result) => [result.endpointId, result]));
  const ordered = items.map((item) => (isResult(item) ? item : byEndpoint.get(item.endpointId)!));
  // The guard's records are written while the failures are handed on; neither waits for the other.
  const [settled, unrecorded] = await Promise.all([handOff(ordered, jobs, ids, deps), sent.recorded]);
  if (unrecorded > 0) logUnrecorded(deps, unrecorded);
  const reportFailed = await report(ids, settled.results, deps);
  return finish(settled.results, { ...sent.counters, unsaved: settled.unsaved, reportFailed }, deps, fields);
}

/**
 * Queued mode: every job goes to the job queue, as `toQueued` writes it, instead of being sent; the
 * rest of `items` are final already. A job the queue does not take fails retryable.
 */
export async function enqueue(
  ids: CampaignIds, items: ReadonlyArray<DeliveryJob | EndpointResult>, deps: DeliveryDeps & { readonly jobs: JobQueue },
  toQueued: (job: DeliveryJob) => QueuedJob, fields: SummaryFields = {},
): Promise<PipelineOutcome> {
  const jobs = items.filter((item): item is DeliveryJob => !isResult(item));
  let taken: ReadonlySet<string> = new Set();
  if (jobs.length > 0) {
    try {
      taken = await deps.jobs.enqueue(jobs.map(toQueued), AbortSignal.timeout((deps.settings?.settleTimeoutMs ?? 1000) * 2));
    } catch (error) {
      deps.logger.error('The job queue could not be reached; nothing was queued', { error: (error as Error).name });
    }
  }
  if (taken.size < jobs.length) deps.logger.error('The job queue did not take every job; those endpoints are reported failed and retryable', { notQueued: jobs.length - taken.size });
  const results = items.map((item): EndpointResult => {
    if (isResult(item)) return item;
    if (taken.has(item.endpointId)) return { endpointId: item.endpointId, status: 'queued', channelType: item.channelType, attempts: 0 };
    return failed(item.endpointId, item.channelType, 'not_queued', 'the job queue did not take the job', true);
  });
  const reportFailed = await report(ids, results, deps);
  return finish(results, { ...NO_SENDS, reportFailed }, deps, fields);
}

/** A bad event: nothing is sent, one log line says why, and every endpoint it names fails with that reason. */
export async function reject(
  ids: CampaignIds, endpoints: ReadonlyArray<{ endpointId: string; channelType?: string }>, errorCode: string, problem: string,
  deps: DeliveryDeps, fields: SummaryFields = {},
): Promise<PipelineOutcome> {
  deps.logger.error(`Rejected the event: ${problem}`, { endpoints: endpoints.length });
  const results = endpoints.map(({ endpointId, channelType }) => failed(endpointId, channelType, errorCode, problem, false));
  const reportFailed = await report(ids, results, deps);
  return finish(results, { ...NO_SENDS, reportFailed }, deps, fields);
}

/** Sends whose record the guard could not write: a repeat will find them in progress and not send them. */
export function logUnrecorded(deps: DeliveryDeps, unrecorded: number): void {
  deps.logger.warn('Could not record some sends in the duplicate check; a repeat will not send them again until their records expire', { unrecorded });
}

const NO_SENDS = { retried: 0, throttled: 0, alreadyDelivered: 0, unsaved: 0 };

interface BatchCounters extends SendCounters { unsaved: number; reportFailed: number }

function finish(results: EndpointResult[], counters: BatchCounters, deps: DeliveryDeps, fields: SummaryFields): PipelineOutcome {
  const count = (status: EndpointStatus) => results.filter((r) => r.status === status).length;
  const summary: DeliverySummary = {
    endpoints: results.length,
    delivered: count('delivered'),
    failed: count('failed'),
    skipped: count('skipped'),
    retrying: count('retrying'),
    queued: count('queued'),
    alreadyDelivered: counters.alreadyDelivered,
    unsaved: counters.unsaved,
    reportFailed: counters.reportFailed,
    retried: counters.retried,
    throttled: counters.throttled,
  };
  for (const result of results) {
    if (result.status === 'skipped') deps.logger.info('Endpoint skipped', { endpointId: maskEndpointId(result.endpointId), reason: result.reason });
  }
  deps.logger.info(BATCH_SUMMARY_MESSAGE, { ...summary, ...fields });
  return { results, summary };
}
