/** What the delivery core is given: its adapters, its clock and deadline, and its settings. */
import { MAX_ENDPOINTS } from '../contract';
import type { ChannelProvider, Clock, DeliveryGuard, DeliveryLogger, JobQueue, OutcomeReporter, TokenSource } from '../domain';
import type { Pacer } from './pacing';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry';

export interface DeliverySettings {
  /** Requests in flight at once. The default, Pinpoint's batch size, sends a batch in one round trip. */
  readonly concurrency: number;
  /** Upper bound for one request; the deadline may cut it shorter. */
  readonly requestTimeoutMs: number;
  readonly retry: RetryPolicy;
  /** Larger events are rejected whole. */
  readonly maxEndpoints: number;
  /** Upper bound for handing the failures on and for reporting the outcomes, each; both come after the sends. */
  readonly settleTimeoutMs: number;
}

export const DEFAULT_SETTINGS: DeliverySettings = {
  concurrency: MAX_ENDPOINTS,
  requestTimeoutMs: 5000,
  retry: DEFAULT_RETRY_POLICY,
  maxEndpoints: MAX_ENDPOINTS,
  settleTimeoutMs: 1000,
};

export interface DeliveryDeps {
  readonly provider: ChannelProvider;
  readonly tokens: TokenSource;
  readonly clock: Clock;
  /** Time (on `clock`) by which every endpoint must have its result. */
  readonly deadline: number;
  readonly logger: DeliveryLogger;
  readonly settings?: DeliverySettings;
  /** For jitter; tests pass a fixed sequence. */
  readonly random?: () => number;
  /**
   * Where failed sends go: transient ones back on the job queue, for the worker to retry at pace;
   * permanent and uncertain ones to its dead-letter queue.
   *
   * @default - none: failures are only reported
   */
  readonly jobs?: JobQueue;
  /**
   * Where outcomes are reported.
   *
   * @default - none: outcomes are only returned and logged
   */
  readonly reporter?: OutcomeReporter;
  /**
   * Remembers delivered endpoints, so that a repeated batch or a redrive does not message anyone twice.
   *
   * @default - none: every job is sent
   */
  readonly guard?: DeliveryGuard;
  /**
   * Spaces the requests at the provider's rate, and slows down when it throttles.
   *
   * @default - no pacing: as many requests at once as `settings.concurrency` allows
   */
  readonly pacer?: Pacer;
}

export function settingsOf(deps: DeliveryDeps): DeliverySettings {
  return deps.settings ?? DEFAULT_SETTINGS;
}
