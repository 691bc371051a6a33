/**
 * Delivers one Pinpoint custom-channel batch and accounts for every endpoint in it. Knows nothing
 * of Lambda or AWS: the trigger, the channel, the token store and the clock are passed in.
 */
import { asEndpoint, CampaignIds, MAX_ENDPOINTS, parseEvent } from './event';
import { DeliveryGuard, deliveryKey } from './idempotency';
import { renderMessage, unsupportedPlaceholders } from './message';
import type { ParkedDelivery, ParkingLot, ParkingReport } from './parking';
import { PARKED_DELIVERY_VERSION } from './parking';
import type { ChannelProvider, EndpointDefinition, JsonObject, SendFailure } from './providers/provider';
import type { OutcomeReporter } from './reporting';
import { backoffDelay, Clock, DEFAULT_RETRY_POLICY, fitsBeforeDeadline, RetryPolicy } from './retry';
import type { TokenSource } from './token';

/**
 * Every endpoint ends in exactly one of these. `parked`: a transient failure, kept in the parking
 * queue for a later retry. `failed`: permanent (with the reason), or transient but the parking queue
 * could not take it (then `retryable`).
 */
export type EndpointStatus = 'delivered' | 'failed' | 'skipped' | 'parked';

export interface EndpointResult {
  readonly endpointId: string;
  readonly status: EndpointStatus;
  readonly channelType?: string;
  readonly messageId?: string;
  /** The provider's error code, or one of ours (invalid_event, missing_placeholder, timeout, deadline_exceeded, ...). */
  readonly errorCode?: string;
  /** Why it was skipped or failed. Never holds the address or the token. */
  readonly reason?: string;
  /** Requests made for this endpoint. */
  readonly attempts: number;
  /** For a failure: whether a later retry may succeed (transient), as opposed to a permanent rejection. */
  readonly retryable?: boolean;
  /** For a failure: the last request may have been accepted (no answer came), so a resend could send twice. */
  readonly mayHaveBeenSent?: boolean;
  /** What was (or would have been) sent, for the caller to park or resend. Absent when nothing could be built. */
  readonly delivery?: { readonly recipient: string; readonly maskedRecipient: string; readonly message: JsonObject };
}

export interface BatchSummary {
  readonly endpoints: number;
  readonly delivered: number;
  readonly failed: number;
  readonly skipped: number;
  readonly parked: number;
  /** Failed endpoints the parking queue did not take. Any is an alarm: they can only be resent by hand. */
  readonly parkingFailed: number;
  /** Endpoints whose outcome could not be reported to Pinpoint (0 when reporting is off). */
  readonly reportFailed: number;
  /** Endpoints an earlier invocation had already delivered: not messaged again. */
  readonly alreadyDelivered: number;
  /** Requests repeated after a transient failure. */
  readonly retried: number;
  /** Answers in which the provider asked to slow down. */
  readonly throttled: number;
  /** Endpoints per Pinpoint channel type, grouped as the AWS example groups them. */
  readonly channelTypes: Readonly<Record<ChannelTypeGroup, number>>;
}

export type ChannelTypeGroup = 'CUSTOM' | 'SMS' | 'EMAIL' | 'VOICE' | 'PUSH';

/** Pinpoint's custom-channel response: endpoint id to at most 5 event attributes. */
export type CustomChannelResponse = Record<string, { EventAttributes: Record<string, string> }>;

export interface BatchOutcome {
  readonly ids: CampaignIds;
  readonly results: EndpointResult[];
  readonly summary: BatchSummary;
  readonly response: CustomChannelResponse;
  /** Set when the event itself was rejected. */
  readonly eventProblem?: string;
}

/** The subset of Powertools' Logger the core uses; tests pass a recorder. */
export interface DeliveryLogger {
  debug(message: string, ...extra: Record<string, unknown>[]): void;
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

export interface DeliverySettings {
  /** Requests in flight at once. The default, Pinpoint's batch size, sends a batch in one round trip. */
  readonly concurrency: number;
  /** Upper bound for one request; the deadline may cut it shorter. */
  readonly requestTimeoutMs: number;
  readonly retry: RetryPolicy;
  /** Larger events are rejected whole. */
  readonly maxEndpoints: number;
  /** Upper bound for parking the failures and for reporting the outcomes, each; both come after the sends. */
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
   * Where failed deliveries are kept for a later retry.
   *
   * @default - none: failures are reported only (used by the redrive, which leaves them in the queue)
   */
  readonly parking?: ParkingLot;
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
}

/** An endpoint that passed every check, with its message built: ready to send. */
export interface DeliveryJob {
  readonly endpointId: string;
  readonly channelType?: string;
  readonly recipient: string;
  readonly maskedRecipient: string;
  readonly message: JsonObject;
  /** Identifies this endpoint's delivery in this campaign run, for the guard. */
  readonly key?: string;
}

/**
 * Delivers the batch. Throws only when nothing was sent (the token cannot be read); every other
 * problem, including a malformed event, is reported per endpoint.
 */
export async function deliverBatch(rawEvent: unknown, deps: DeliveryDeps): Promise<BatchOutcome> {
  const settings = deps.settings ?? DEFAULT_SETTINGS;
  const parsed = parseEvent(rawEvent, settings.maxEndpoints);
  const channelTypes = countChannelTypes(rawEvent);

  if (!parsed.ok) {
    const endpoints = parsed.endpointIds.map((endpointId) => [endpointId, undefined] as const);
    return reject(parsed.ids, endpoints, 'invalid_event', parsed.problem, channelTypes, deps);
  }
  const { ids, message, endpoints } = parsed.event;

  const messageProblem = deps.provider.checkMessage(message)
    ?? describeUnsupported(unsupportedPlaceholders(message));
  if (messageProblem) {
    return reject(ids, endpoints, 'invalid_data', `Data ${messageProblem}`, channelTypes, deps);
  }

  const results = new Map<string, EndpointResult>();
  const jobs: DeliveryJob[] = [];
  for (const [endpointId, value] of endpoints) {
    const prepared = prepare(endpointId, value, message, deps.provider, ids);
    if ('status' in prepared) results.set(endpointId, prepared);
    else jobs.push(prepared);
  }

  const sent = await sendJobs(jobs, deps);
  for (const result of sent.results) results.set(result.endpointId, result);

  const ordered = endpoints.map(([endpointId]) => results.get(endpointId)!);
  const settled = await settle(ordered, ids, deps);
  const reportFailed = await report(ids, settled.results, deps);
  return finish(ids, settled.results, { ...sent.counters, parkingFailed: settled.parkingFailed, reportFailed }, channelTypes, deps);
}

/** A bad event: nothing is sent, one log line says why, and every endpoint it names fails with that reason. */
async function reject(
  ids: CampaignIds, endpoints: ReadonlyArray<readonly [string, unknown]>, errorCode: string, problem: string,
  channelTypes: Record<ChannelTypeGroup, number>, deps: DeliveryDeps,
): Promise<BatchOutcome> {
  deps.logger.error(`Rejected the event: ${problem}`, { endpoints: endpoints.length });
  const results = endpoints.map(([endpointId, value]) => failed(endpointId, asEndpoint(value)?.ChannelType, errorCode, problem, false));
  const reportFailed = await report(ids, results, deps);
  return finish(ids, results, { ...NO_SENDS, reportFailed }, channelTypes, deps, problem);
}

/** Reports the outcomes to Pinpoint; returns how many endpoints could not be reported. Never throws. */
async function report(ids: CampaignIds, results: readonly EndpointResult[], deps: DeliveryDeps): Promise<number> {
  if (!deps.reporter || results.length === 0) return 0;
  const settings = deps.settings ?? DEFAULT_SETTINGS;
  let outcome;
  try {
    outcome = await deps.reporter.report(ids, results, new Date(deps.clock.now()), settleSignal(settings));
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

export interface SendCounters {
  retried: number;
  throttled: number;
  alreadyDelivered: number;
}

export interface SendJobsResult {
  readonly results: EndpointResult[];
  readonly counters: Readonly<SendCounters>;
}

/**
 * Sends prepared jobs with bounded concurrency, retrying inside the deadline. Shared by Pinpoint
 * batches and the redrive. Reads the token only if there is something to send; throws only if it
 * cannot be read (then nothing was sent).
 */
export async function sendJobs(jobs: readonly DeliveryJob[], deps: DeliveryDeps): Promise<SendJobsResult> {
  const counters: SendCounters = { retried: 0, throttled: 0, alreadyDelivered: 0 };
  if (jobs.length === 0) return { results: [], counters };
  const settings = deps.settings ?? DEFAULT_SETTINGS;
  const batch = new BatchSender(deps, settings, await deps.tokens.get(), counters);
  const results = await mapConcurrent(jobs, settings.concurrency, (job) => batch.send(job));
  return { results, counters };
}

/**
 * Parks every failed send (transient ones for a retry, permanent ones flagged for inspection), and
 * marks the transient ones the queue took as `parked`. A queue that cannot take them is logged and
 * counted; those endpoints stay `failed` and `retryable`, never silently dropped.
 */
async function settle(results: EndpointResult[], ids: CampaignIds, deps: DeliveryDeps): Promise<{ results: EndpointResult[]; parkingFailed: number }> {
  const toPark = results.filter((r) => r.status === 'failed' && r.delivery);
  if (!deps.parking || toPark.length === 0) return { results, parkingFailed: 0 };
  const parkedAt = new Date(deps.clock.now()).toISOString();
  const items: ParkedDelivery[] = toPark.map((r) => ({
    version: PARKED_DELIVERY_VERSION,
    channel: deps.provider.channel,
    ids,
    endpointId: r.endpointId,
    channelType: r.channelType,
    recipient: r.delivery!.recipient,
    message: r.delivery!.message,
    permanent: !r.retryable,
    uncertain: r.mayHaveBeenSent ?? false,
    lastError: { code: r.errorCode ?? 'unknown', reason: r.reason ?? '' },
    attempts: r.attempts,
    parkedAt,
  }));
  let report: ParkingReport;
  try {
    report = await deps.parking.park(items, settleSignal(deps.settings ?? DEFAULT_SETTINGS));
  } catch (error) {
    const reason = `parking queue unreachable: ${(error as Error).name}`;
    report = { parked: new Set(), notParked: new Map(items.map((item) => [item.endpointId, reason])) };
  }
  const notParked = toPark.filter((r) => !report.parked.has(r.endpointId));
  if (notParked.length > 0) {
    deps.logger.error('Could not park failed deliveries; they are reported failed and retryable, and need a manual resend', {
      endpoints: notParked.map((r) => r.endpointId),
      reasons: [...new Set(notParked.map((r) => report.notParked.get(r.endpointId) ?? 'no answer from the parking queue'))],
    });
  }
  const settled = results.map((r) => {
    if (r.status !== 'failed' || !r.delivery || !r.retryable) return r;
    if (report.parked.has(r.endpointId)) return { ...r, status: 'parked' as const };
    return { ...r, reason: `${r.reason ?? ''} (not parked: ${report.notParked.get(r.endpointId) ?? 'no answer from the parking queue'})` };
  });
  return { results: settled, parkingFailed: notParked.length };
}

/** Checks one endpoint and builds its message; returns its final result if it will not be sent. */
function prepare(endpointId: string, value: unknown, template: JsonObject, provider: ChannelProvider, ids: CampaignIds): DeliveryJob | EndpointResult {
  const endpoint = asEndpoint(value);
  if (!endpoint) return failed(endpointId, undefined, 'invalid_endpoint', 'the endpoint definition is not an object', false);
  const channelType = typeof endpoint.ChannelType === 'string' ? endpoint.ChannelType : undefined;
  const skipReason = skipReasonOf(endpoint);
  if (skipReason) return skipped(endpointId, channelType, skipReason);
  const resolution = provider.resolveRecipient(endpoint);
  if ('skipReason' in resolution) return skipped(endpointId, channelType, resolution.skipReason);
  const rendered = renderMessage(template, endpoint);
  if (!rendered.ok) {
    return failed(endpointId, channelType, 'missing_placeholder', `no value for {{${rendered.missing}}}`, false);
  }
  return {
    endpointId, channelType, recipient: resolution.recipient, maskedRecipient: resolution.masked, message: rendered.message,
    key: deliveryKey(ids, endpointId),
  };
}

/** Endpoints Pinpoint itself would not message. */
function skipReasonOf(endpoint: EndpointDefinition): string | undefined {
  if (endpoint.OptOut !== undefined && endpoint.OptOut !== 'NONE') return 'opted_out';
  if (endpoint.EndpointStatus === 'INACTIVE') return 'inactive';
  return undefined;
}

/** One batch's requests: shares the token, its single refresh, and the counters. */
class BatchSender {
  private refreshing?: Promise<string | undefined>;
  private readonly policy: RetryPolicy;
  private readonly random: () => number;

  constructor(
    private readonly deps: DeliveryDeps,
    private readonly settings: DeliverySettings,
    private token: string,
    private readonly counters: SendCounters,
  ) {
    this.policy = settings.retry;
    this.random = deps.random ?? Math.random;
  }

  /** Sends one job, through the guard when there is one, so that a delivered endpoint is never messaged twice. */
  async send(job: DeliveryJob): Promise<EndpointResult> {
    const guard = this.deps.guard;
    if (!guard || !job.key) return this.sendWithRetry(job);
    const outcome = await guard.run(job.key, () => this.sendWithRetry(job));
    switch (outcome.kind) {
      case 'sent':
        return outcome.result;
      case 'already-delivered':
        this.counters.alreadyDelivered += 1;
        this.deps.logger.info('Already delivered by an earlier invocation; not sent again', { endpointId: job.endpointId, messageId: outcome.messageId });
        return { endpointId: job.endpointId, status: 'delivered', channelType: job.channelType, messageId: outcome.messageId, reason: 'already_delivered', attempts: 0 };
      case 'in-progress':
        // The invocation delivering it reports it; counting it here too would count it twice.
        return skipped(job.endpointId, job.channelType, 'in_progress_elsewhere');
      case 'uncertain-earlier':
        // An earlier invocation parked it as uncertain; only an operator's redrive may send it again.
        this.deps.logger.info('An earlier attempt may have arrived; not sent again', { endpointId: job.endpointId });
        return skipped(job.endpointId, job.channelType, 'uncertain_earlier');
      case 'unavailable':
        return this.report(failed(job.endpointId, job.channelType, 'idempotency_unavailable',
          `could not check earlier deliveries (${outcome.reason}); not sent, so as not to send twice`, true, 0, job));
    }
  }

  private async sendWithRetry(job: DeliveryJob): Promise<EndpointResult> {
    let attempts = 0;
    let last: SendFailure | undefined;
    let tokenRefreshed = false;
    const { clock, deadline } = this.deps;
    try {
      for (;;) {
        const now = clock.now();
        if (!fitsBeforeDeadline(this.policy, now, 0, deadline)) {
          return this.outOfTime(job, attempts, last);
        }
        attempts += 1;
        const token = this.token;
        const outcome = await this.deps.provider.send({
          recipient: job.recipient,
          message: job.message,
          token,
          signal: AbortSignal.timeout(Math.max(1, Math.min(this.settings.requestTimeoutMs, deadline - now))),
        });
        if (outcome.ok) return this.delivered(job, outcome.messageId, attempts);
        last = outcome;
        if (outcome.throttled) this.counters.throttled += 1;

        if (outcome.disposition === 'refresh-token' && !tokenRefreshed) {
          tokenRefreshed = true;
          const fresh = await this.refreshToken(token);
          if (fresh !== undefined && fresh !== token) {
            this.counters.retried += 1;
            continue;
          }
        }
        if (outcome.disposition !== 'retry' || attempts >= this.policy.maxAttempts) {
          return this.failedAttempt(job, outcome, attempts);
        }
        const delay = backoffDelay(this.policy, attempts, outcome.throttled, this.random, outcome.retryAfterMs);
        if (!fitsBeforeDeadline(this.policy, clock.now(), delay, deadline)) {
          return this.outOfTime(job, attempts, outcome);
        }
        this.counters.retried += 1;
        await clock.sleep(delay);
      }
    } catch (error) {
      // A bug or an unexpected rejection: the request may or may not have gone out.
      this.deps.logger.error('Unexpected error while sending', { endpointId: job.endpointId, error: String(error) });
      return this.report({
        ...failed(job.endpointId, job.channelType, 'internal_error', 'unexpected error while sending', true, attempts, job), mayHaveBeenSent: attempts > 0,
      });
    }
  }

  /** Re-reads the secret once per batch, however many requests were rejected at the same time. */
  private refreshToken(rejected: string): Promise<string | undefined> {
    this.refreshing ??= this.deps.tokens.refresh(rejected).then(
      (fresh) => {
        if (fresh === rejected) this.deps.logger.error('The provider rejected the token and the secret holds the same one; put a valid token into the secret');
        this.token = fresh;
        return fresh;
      },
      (error: unknown) => {
        this.deps.logger.error('The provider rejected the token and re-reading the secret failed', { error: (error as Error).message });
        return undefined;
      },
    );
    return this.refreshing;
  }

  private delivered(job: DeliveryJob, messageId: string, attempts: number): EndpointResult {
    this.deps.logger.debug('Delivered', { endpointId: job.endpointId, recipient: job.maskedRecipient, messageId, attempts });
    return { endpointId: job.endpointId, status: 'delivered', channelType: job.channelType, messageId, attempts, delivery: deliveryOf(job) };
  }

  private failedAttempt(job: DeliveryJob, outcome: SendFailure, attempts: number): EndpointResult {
    const retryable = outcome.disposition === 'retry' || outcome.disposition === 'defer';
    return this.report({
      ...failed(job.endpointId, job.channelType, outcome.errorCode, outcome.detail, retryable, attempts, job),
      mayHaveBeenSent: outcome.mayHaveBeenSent ?? false,
    });
  }

  private outOfTime(job: DeliveryJob, attempts: number, last: SendFailure | undefined): EndpointResult {
    const reason = last ? `out of time to retry after: ${last.detail}` : 'out of time before the first attempt';
    return this.report({
      ...failed(job.endpointId, job.channelType, last?.errorCode ?? 'deadline_exceeded', reason, true, attempts, job),
      mayHaveBeenSent: last?.mayHaveBeenSent ?? false,
    });
  }

  private report(result: EndpointResult): EndpointResult {
    this.deps.logger.warn('Delivery failed', {
      endpointId: result.endpointId,
      recipient: result.delivery?.maskedRecipient,
      errorCode: result.errorCode,
      reason: result.reason,
      attempts: result.attempts,
      retryable: result.retryable,
    });
    return result;
  }
}

function deliveryOf(job: DeliveryJob): EndpointResult['delivery'] {
  return { recipient: job.recipient, maskedRecipient: job.maskedRecipient, message: job.message };
}

function failed(
  endpointId: string, channelType: string | undefined, errorCode: string, reason: string, retryable: boolean, attempts = 0, job?: DeliveryJob,
): EndpointResult {
  return { endpointId, status: 'failed', channelType, errorCode, reason, attempts, retryable, delivery: job && deliveryOf(job) };
}

function skipped(endpointId: string, channelType: string | undefined, reason: string): EndpointResult {
  return { endpointId, status: 'skipped', channelType, reason, attempts: 0 };
}

function describeUnsupported(placeholders: string[]): string | undefined {
  if (placeholders.length === 0) return undefined;
  return `uses unsupported placeholders ${placeholders.join(', ')}; use {{Address}}, {{User.UserId}}, `
    + '{{Attributes.NAME}} or {{User.UserAttributes.NAME}}';
}

const NO_SENDS = { retried: 0, throttled: 0, alreadyDelivered: 0, parkingFailed: 0 };

interface BatchCounters extends SendCounters { parkingFailed: number; reportFailed: number }

function finish(
  ids: CampaignIds, results: EndpointResult[], counters: BatchCounters,
  channelTypes: Record<ChannelTypeGroup, number>, deps: DeliveryDeps, eventProblem?: string,
): BatchOutcome {
  const count = (status: EndpointStatus) => results.filter((r) => r.status === status).length;
  const summary: BatchSummary = {
    endpoints: results.length,
    delivered: count('delivered'),
    failed: count('failed'),
    skipped: count('skipped'),
    parked: count('parked'),
    alreadyDelivered: counters.alreadyDelivered,
    parkingFailed: counters.parkingFailed,
    reportFailed: counters.reportFailed,
    retried: counters.retried,
    throttled: counters.throttled,
    channelTypes,
  };
  for (const result of results) {
    if (result.status === 'skipped') deps.logger.info('Endpoint skipped', { endpointId: result.endpointId, reason: result.reason });
  }
  deps.logger.info('Batch finished', { ...summary });
  return { ids, results, summary, response: toResponse(results), eventProblem };
}

/** Pinpoint allows at most 5 event attributes per endpoint; these are the ones a journey can branch on. */
export function toResponse(results: EndpointResult[]): CustomChannelResponse {
  return Object.fromEntries(results.map((result) => {
    const attributes: Record<string, string> = { status: result.status };
    if (result.messageId) attributes.message_id = result.messageId;
    if (result.errorCode) attributes.error_code = result.errorCode;
    if (result.reason) attributes.reason = result.reason.slice(0, 100);
    attributes.attempts = String(result.attempts);
    if (result.retryable !== undefined) attributes.retryable = String(result.retryable);
    return [result.endpointId, { EventAttributes: attributes }];
  }));
}

/** Counts every endpoint in the event by channel type, even when the event is rejected. */
export function countChannelTypes(rawEvent: unknown): Record<ChannelTypeGroup, number> {
  const counts: Record<ChannelTypeGroup, number> = { CUSTOM: 0, SMS: 0, EMAIL: 0, VOICE: 0, PUSH: 0 };
  const endpoints = (rawEvent as { Endpoints?: unknown } | null)?.Endpoints;
  if (typeof endpoints !== 'object' || endpoints === null || Array.isArray(endpoints)) return counts;
  for (const value of Object.values(endpoints)) {
    const type = (value as EndpointDefinition | null)?.ChannelType;
    const group: ChannelTypeGroup = type === 'CUSTOM' || type === 'SMS' || type === 'EMAIL' || type === 'VOICE' ? type : 'PUSH';
    counts[group] += 1;
  }
  return counts;
}

/** Bounds the parking (or the reporting) of one batch. */
function settleSignal(settings: DeliverySettings): AbortSignal {
  return AbortSignal.timeout(settings.settleTimeoutMs);
}

/** Runs `fn` over `items` with at most `limit` in flight; results keep the items' order. `fn` must not throw. */
export async function mapConcurrent<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await fn(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
