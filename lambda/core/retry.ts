/**
 * Backoff with full jitter, bounded by the invocation's deadline. Pure: the clock and the random
 * source are passed in, so tests can drive it without waiting.
 */
import type { Clock } from '../domain';

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface RetryPolicy {
  /** Attempts per endpoint, the first included. */
  readonly maxAttempts: number;
  /** Upper bound of the first backoff; doubles per attempt. */
  readonly baseDelayMs: number;
  /** Upper bound of any one backoff. */
  readonly maxDelayMs: number;
  /** Throttling answers back off from a larger base, because the provider asked us to slow down. */
  readonly throttledBaseDelayMs: number;
  /** No attempt starts with less time than this before the deadline: it could not finish. */
  readonly minAttemptMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 100,
  maxDelayMs: 2000,
  throttledBaseDelayMs: 400,
  minAttemptMs: 300,
};

/**
 * How long to wait before attempt `attempt + 1`: a random time up to the exponential bound
 * ("full jitter"), so that endpoints throttled together do not retry together. A Retry-After
 * from the provider is a floor.
 */
export function backoffDelay(policy: RetryPolicy, attempt: number, throttled: boolean, random: () => number, retryAfterMs?: number): number {
  const base = throttled ? policy.throttledBaseDelayMs : policy.baseDelayMs;
  const bound = Math.min(policy.maxDelayMs, base * 2 ** (attempt - 1));
  const jittered = Math.floor(random() * bound);
  return Math.max(jittered, retryAfterMs ?? 0);
}

/** Whether an attempt started after `delayMs` from `now` could still finish before `deadline`. */
export function fitsBeforeDeadline(policy: RetryPolicy, now: number, delayMs: number, deadline: number): boolean {
  return now + delayMs + policy.minAttemptMs <= deadline;
}
