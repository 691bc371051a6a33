/**
 * Jobs on the job queue as the core writes them: a delivery turned into the job contract's message,
 * and how long a job that failed transiently waits before it is tried again. Pinpoint's invocation
 * (queued mode, and transient failures in direct mode) and the worker share both.
 */
import { DELIVERY_JOB_VERSION, DEFAULT_MAX_RECEIVES, type DeliveryChannel, type DeliveryJobMessage } from '../contract';
import type { CampaignIds, DeliveryJob } from '../domain';

export interface RequeuePolicy {
  /** After this many receives a job that still fails transiently is dead-lettered with its last error. */
  readonly maxReceives: number;
  /** First retry delay; doubles per receive, with jitter, up to maxDelaySeconds. */
  readonly baseDelaySeconds: number;
  readonly maxDelaySeconds: number;
}

export const DEFAULT_REQUEUE_POLICY: RequeuePolicy = { maxReceives: DEFAULT_MAX_RECEIVES, baseDelaySeconds: 2, maxDelaySeconds: 900 };

/** The one error code of Meta's that concerns a single recipient: only that job waits, a fixed while. */
const PAIR_RATE_LIMIT = '131056';
const PAIR_RATE_DELAY_SECONDS = 8;

/**
 * Seconds before a job that failed transiently on its `receiveCount`-th receive (the first send
 * counts as 1) is tried again: exponential with half jitter, at least a second; the pair-rate limit
 * waits its own fixed while.
 */
export function requeueDelaySeconds(receiveCount: number, errorCode: string | undefined, policy: RequeuePolicy, random: () => number): number {
  if (errorCode === PAIR_RATE_LIMIT) return PAIR_RATE_DELAY_SECONDS;
  const bound = Math.min(policy.maxDelaySeconds, policy.baseDelaySeconds * 2 ** Math.max(0, receiveCount - 1));
  return Math.max(1, Math.ceil(bound / 2 + (random() * bound) / 2));
}

export interface JobHistory {
  /** Requests made so far. */
  readonly attempts: number;
  readonly lastError: { readonly code: string; readonly reason: string };
}

/** The job contract's message for one delivery of a campaign, optionally with what happened to it so far. */
export function toJobMessage(job: DeliveryJob, ids: CampaignIds, channel: DeliveryChannel, enqueuedAt: string, history?: JobHistory): DeliveryJobMessage {
  const campaign = Object.fromEntries(Object.entries(ids).filter(([, id]) => id !== undefined)) as DeliveryJobMessage['campaign'];
  return {
    version: DELIVERY_JOB_VERSION, channel, campaign, endpointId: job.endpointId, recipient: job.recipient, message: job.message,
    // Without a campaign or journey id there is nothing to tell repeats apart by: each job is its own delivery.
    idempotencyKey: job.key ?? `unkeyed/${globalThis.crypto.randomUUID()}`,
    enqueuedAt,
    ...(job.channelType ? { channelType: job.channelType } : {}),
    ...(history ? { attempts: history.attempts, lastError: history.lastError } : {}),
  };
}
