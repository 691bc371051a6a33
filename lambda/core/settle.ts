/**
 * After the sends: failed deliveries go to the job queue or its dead-letter queue, and every outcome
 * to the reporter. Each step is bounded by the settings' settle timeout and never throws; what it
 * could not do is counted.
 */
import type { DeliveryChannel } from '../contract';
import { type CampaignIds, type DeadLetter, type DeliveryJob, type EndpointResult, maskEndpointId, type QueuedJob } from '../domain';
import { type DeliveryDeps, type DeliverySettings, settingsOf } from './deps';
import { DEFAULT_REQUEUE_POLICY, requeueDelaySeconds, toJobMessage } from './jobs';

/**
 * Hands every failed send on: a transient one, surely not delivered, goes back on the job queue as a
 * job (status `retrying`), for the worker to retry at pace; a permanent or uncertain one goes to the
 * dead-letter queue, for a person. A failure neither queue took is logged and counted, and stays
 * `failed` (`retryable` if it was), never silently dropped.
 */
export async function handOff(
  results: EndpointResult[], jobs: readonly DeliveryJob[], ids: CampaignIds, deps: DeliveryDeps,
): Promise<{ results: EndpointResult[]; unsaved: number }> {
  const jobOf = new Map(jobs.map((job) => [job.endpointId, job]));
  const toHandOff = results.filter((r) => r.status === 'failed' && r.delivery && jobOf.has(r.endpointId));
  if (!deps.jobs || toHandOff.length === 0) return { results, unsaved: 0 };
  const enqueuedAt = new Date(deps.clock.now()).toISOString();
  const random = deps.random ?? Math.random;
  const requeue: QueuedJob[] = [];
  const letters: DeadLetter[] = [];
  for (const r of toHandOff) {
    const lastError = { code: r.errorCode ?? 'unknown', reason: r.reason ?? '' };
    // The job keeps its idempotency key, so that the duplicate check knows it for the same delivery.
    const job = jobOf.get(r.endpointId)!;
    const body = JSON.stringify(toJobMessage(job, ids, deps.provider.channel as DeliveryChannel, enqueuedAt, { attempts: r.attempts, lastError }));
    const uncertain = r.mayHaveBeenSent ?? false;
    if (r.retryable && !uncertain) {
      requeue.push({ id: r.endpointId, body, delaySeconds: requeueDelaySeconds(1, r.errorCode, DEFAULT_REQUEUE_POLICY, random) });
    } else {
      letters.push({ id: r.endpointId, body, errorCode: lastError.code, reason: lastError.reason, permanent: !r.retryable, uncertain });
    }
  }
  const signal = settleSignal(settingsOf(deps));
  const [requeued, deadLettered] = await Promise.all([
    takeAll(() => deps.jobs!.enqueue(requeue, signal), requeue.length),
    takeAll(() => deps.jobs!.deadLetter(letters, signal), letters.length),
  ]);
  const saved = (r: EndpointResult) => requeued.has(r.endpointId) || deadLettered.has(r.endpointId);
  const unsaved = toHandOff.filter((r) => !saved(r));
  if (unsaved.length > 0) {
    deps.logger.error('Could not save failed deliveries to the job queue or its dead-letter queue; they are reported failed and need a manual resend', {
      endpoints: unsaved.map((r) => maskEndpointId(r.endpointId)),
    });
  }
  const settled = results.map((r) => {
    if (!toHandOff.includes(r)) return r;
    if (requeued.has(r.endpointId)) return { ...r, status: 'retrying' as const };
    if (saved(r)) return r;
    return { ...r, reason: `${r.reason ?? ''} (not saved: the queues did not take it)` };
  });
  return { results: settled, unsaved: unsaved.length };
}

/** The ids a queue took; none when it could not be reached. */
async function takeAll(send: () => Promise<ReadonlySet<string>>, count: number): Promise<ReadonlySet<string>> {
  if (count === 0) return new Set();
  try {
    return await send();
  } catch {
    return new Set();
  }
}

/** Reports the outcomes; returns how many endpoints could not be reported. Never throws. */
export async function report(ids: CampaignIds, results: readonly EndpointResult[], deps: DeliveryDeps): Promise<number> {
  if (!deps.reporter || results.length === 0) return 0;
  let outcome;
  try {
    outcome = await deps.reporter.report(ids, results, new Date(deps.clock.now()), settleSignal(settingsOf(deps)));
  } catch (error) {
    outcome = { reported: 0, failed: results.length, error: (error as Error).name };
  }
  if (outcome.failed > 0) {
    deps.logger.warn('Could not report every outcome to Pinpoint; delivery is not affected', {
      notReported: outcome.failed, reported: outcome.reported, error: outcome.error,
    });
  }
  return outcome.failed;
}

function settleSignal(settings: DeliverySettings): AbortSignal {
  return AbortSignal.timeout(settings.settleTimeoutMs);
}
