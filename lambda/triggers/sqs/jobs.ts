/**
 * The job-queue trigger: turns the SQS records a worker receives into delivery jobs, sends them at
 * pace through the core, and decides each record's fate: done (deleted), retried later (a batch item
 * failure whose visibility is set to the delay), or dead-lettered with the reason. A malformed job
 * never fails its batch-mates and is never retried forever.
 */
import { BATCH_SUMMARY_MESSAGE, type DeliveryChannel, type DeliveryJobMessage, isExpired } from '../../contract';
import { DEFAULT_REQUEUE_POLICY, type DeliveryDeps, logUnrecorded, report, requeueDelaySeconds, type RequeuePolicy, sendJobs } from '../../core';
import { type CampaignIds, type DeadLetter, type DeliveryJob, type EndpointResult, type JobQueue, maskRecipient } from '../../domain';
import { readJob } from './legacy';

export interface JobRecord {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  /** How many times SQS has handed this message out, this time included. */
  readonly receiveCount: number;
}

/** The worker's retry rules: how long a job waits before it comes again, and after how many receives it is dead-lettered. */
export type WorkerSettings = RequeuePolicy;

export const DEFAULT_WORKER_SETTINGS: WorkerSettings = DEFAULT_REQUEUE_POLICY;

export interface WorkerDeps extends DeliveryDeps {
  readonly channel: DeliveryChannel;
  readonly queue: JobQueue;
  readonly worker?: WorkerSettings;
}

export interface WorkerSummary {
  readonly jobs: number;
  readonly delivered: number;
  /** Jobs that ended failed: dead-lettered after a send (permanent, uncertain or exhausted), or expired. */
  readonly failed: number;
  readonly alreadyDelivered: number;
  /** Put back on the queue to be tried again later. */
  readonly retried: number;
  readonly throttled: number;
  /** Requests made to the provider: the base of the throttled share. */
  readonly requests: number;
  readonly deadLettered: number;
  readonly expired: number;
  readonly malformed: number;
}

export interface JobBatchOutcome {
  /** The records SQS must hand out again (Lambda's partial batch response). */
  readonly batchItemFailures: { itemIdentifier: string }[];
  readonly summary: WorkerSummary;
}

export async function processJobs(records: readonly JobRecord[], deps: WorkerDeps): Promise<JobBatchOutcome> {
  const settings = deps.worker ?? DEFAULT_WORKER_SETTINGS;
  const now = deps.clock.now();
  const letters: DeadLetter[] = [];
  const retries: { record: JobRecord; job: DeliveryJobMessage; delaySeconds: number }[] = [];
  const finals: { job: DeliveryJobMessage; result: EndpointResult }[] = [];
  const toSend: { record: JobRecord; job: DeliveryJobMessage }[] = [];
  let malformed = 0;
  let expired = 0;

  for (const record of records) {
    const parsed = readJob(record.body);
    if (!parsed.ok || parsed.job.channel !== deps.channel) {
      malformed += 1;
      const problem = parsed.ok ? `the job is for ${parsed.job.channel}, and this worker sends ${deps.channel}` : parsed.problem;
      deps.logger.error('Malformed job: sent to the dead-letter queue, not retried', { messageId: record.messageId, problem });
      letters.push({ id: record.messageId, body: record.body, errorCode: 'malformed_job', reason: problem, permanent: true, uncertain: false });
    } else if (isExpired(parsed.job, now)) {
      expired += 1;
      finals.push({ job: parsed.job, result: { endpointId: parsed.job.endpointId, status: 'failed', errorCode: 'expired', reason: `expired at ${parsed.job.expiresAt}`, attempts: 0, retryable: false } });
    } else {
      toSend.push({ record, job: parsed.job });
    }
  }

  const sent = await sendJobs(toSend.map(({ job }) => asDeliveryJob(job)), deps);
  sent.results.forEach((result, index) => {
    const { record, job } = toSend[index];
    const letter = (errorCode: string, reason: string, flags: { permanent: boolean; uncertain: boolean }) => {
      letters.push({ id: record.messageId, body: JSON.stringify({ ...job, attempts: (job.attempts ?? 0) + result.attempts, lastError: { code: errorCode, reason } }), errorCode, reason, ...flags });
      finals.push({ job, result: { ...result, status: 'failed' } });
    };
    if (result.status === 'delivered') {
      finals.push({ job, result });
    } else if (result.reason === 'uncertain_earlier' || result.mayHaveBeenSent) {
      letter(result.errorCode ?? 'uncertain_earlier', result.reason ?? '', { permanent: false, uncertain: true });
    } else if (result.status === 'failed' && !result.retryable) {
      letter(result.errorCode ?? 'unknown', result.reason ?? '', { permanent: true, uncertain: false });
    } else if (record.receiveCount >= settings.maxReceives) {
      // Still "in progress" after every receive: an earlier attempt died during its send, which may have arrived.
      const stuck = result.reason === 'in_progress_elsewhere';
      letter(result.errorCode ?? (stuck ? 'in_progress_elsewhere' : 'exhausted'), `gave up after ${record.receiveCount} receives: ${result.reason ?? ''}`,
        { permanent: false, uncertain: stuck });
    } else {
      retries.push({ record, job, delaySeconds: requeueDelaySeconds(record.receiveCount, result.errorCode, settings, deps.random ?? Math.random) });
    }
  });

  const failures = new Set(retries.map(({ record }) => record.messageId));
  const [unrecorded] = await Promise.all([sent.recorded, ...retries.map(({ record, delaySeconds }) => deps.queue.retryLater(record.receiptHandle, delaySeconds).catch((error: unknown) => {
    // The record still comes back, after the queue's own visibility timeout.
    deps.logger.warn('Could not set the retry delay', { messageId: record.messageId, error: (error as Error).name });
  }))]);
  if (unrecorded > 0) logUnrecorded(deps, unrecorded);
  const deadLettered = await deadLetter(letters, deps);
  for (const letter of letters) if (!deadLettered.has(letter.id)) failures.add(letter.id);
  await reportByCampaign(finals, retries.map(({ job }) => job), deps);

  const summary: WorkerSummary = {
    jobs: records.length,
    delivered: finals.filter((f) => f.result.status === 'delivered').length,
    failed: finals.filter((f) => f.result.status === 'failed').length,
    alreadyDelivered: sent.counters.alreadyDelivered,
    retried: retries.length,
    throttled: sent.counters.throttled,
    requests: sent.results.reduce((sum, result) => sum + result.attempts, 0),
    deadLettered: deadLettered.size,
    expired,
    malformed,
  };
  deps.logger.info('Job batch finished', { ...summary });
  return { batchItemFailures: [...failures].map((itemIdentifier) => ({ itemIdentifier })), summary };
}

function asDeliveryJob(job: DeliveryJobMessage): DeliveryJob {
  return {
    endpointId: job.endpointId, channelType: job.channelType, recipient: job.recipient, maskedRecipient: maskRecipient(job.recipient),
    message: job.message, key: job.idempotencyKey,
  };
}

/** Dead-letters what must go; what the queue did not take is retried instead, never dropped. */
async function deadLetter(letters: readonly DeadLetter[], deps: WorkerDeps): Promise<ReadonlySet<string>> {
  if (letters.length === 0) return new Set();
  try {
    const taken = await deps.queue.deadLetter(letters, AbortSignal.timeout((deps.settings?.settleTimeoutMs ?? 1000) * 3));
    if (taken.size < letters.length) deps.logger.error('The dead-letter queue did not take every job; they will be received again', { notTaken: letters.length - taken.size });
    return taken;
  } catch (error) {
    deps.logger.error('The dead-letter queue could not be reached; the jobs will be received again', { error: (error as Error).name });
    return new Set();
  }
}

/**
 * Jobs of one batch may come from different campaigns: one report of the final outcomes, and one
 * summary line (what `ops status` adds up, every field it sums a number), per campaign.
 */
async function reportByCampaign(
  finals: readonly { job: DeliveryJobMessage; result: EndpointResult }[], retried: readonly DeliveryJobMessage[], deps: WorkerDeps,
): Promise<void> {
  const groups = new Map<string, { ids: CampaignIds; results: EndpointResult[]; retrying: number }>();
  const groupOf = (job: DeliveryJobMessage) => {
    const key = JSON.stringify(job.campaign);
    const group = groups.get(key) ?? { ids: job.campaign, results: [], retrying: 0 };
    groups.set(key, group);
    return group;
  };
  for (const { job, result } of finals) groupOf(job).results.push(result);
  for (const job of retried) groupOf(job).retrying += 1;
  for (const { ids, results, retrying } of groups.values()) {
    const reportFailed = await report(ids, results, deps);
    const count = (status: string) => results.filter((r) => r.status === status).length;
    deps.logger.info(BATCH_SUMMARY_MESSAGE, {
      ...ids, source: 'worker', delivered: count('delivered'), failed: count('failed'), retrying, queued: 0, skipped: 0,
      alreadyDelivered: results.filter((r) => r.reason === 'already_delivered').length, reportFailed,
    });
  }
}
