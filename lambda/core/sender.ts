/**
 * Sends prepared jobs with bounded concurrency, retrying inside the deadline, through the duplicate
 * guard when there is one. Shared by every trigger and by the redrive.
 */
import { type ClaimOutcome, type DeliveryJob, type EndpointResult, maskEndpointId, type SendFailure } from '../domain';
import { mapConcurrent } from './concurrency';
import { type DeliveryDeps, type DeliverySettings, settingsOf } from './deps';
import { ClaimGroups, RecordGroups } from './guarded';
import { deliveryOf, failed, skipped } from './results';
import { backoffDelay, fitsBeforeDeadline, type RetryPolicy } from './retry';

export interface SendCounters {
  retried: number;
  throttled: number;
  alreadyDelivered: number;
}

export interface SendJobsResult {
  readonly results: EndpointResult[];
  readonly counters: Readonly<SendCounters>;
  /**
   * Settles when the guard has recorded every send (or given up: bounded by the settle timeout), to
   * how many it could not record. Runs beside what the caller does next; never rejects.
   */
  readonly recorded: Promise<number>;
}

/**
 * Sends the jobs. Reads the token only if there is something to send; throws only if it cannot be
 * read (then nothing was sent).
 */
export async function sendJobs(jobs: readonly DeliveryJob[], deps: DeliveryDeps): Promise<SendJobsResult> {
  const counters: SendCounters = { retried: 0, throttled: 0, alreadyDelivered: 0 };
  if (jobs.length === 0) return { results: [], counters, recorded: Promise.resolve(0) };
  const settings = settingsOf(deps);
  const batch = new BatchSender(deps, settings, await deps.tokens.get(), counters);
  const results = await mapConcurrent(jobs, settings.concurrency, (job) => batch.send(job));
  return { results, counters, recorded: batch.recorded() };
}

/** One batch's requests: shares the token, its single refresh, and the counters. */
class BatchSender {
  private refreshing?: Promise<string | undefined>;
  /** Configuration failures are the batch's, not each endpoint's: logged once per error code. */
  private readonly configurationLogged = new Set<string>();
  private readonly policy: RetryPolicy;
  private readonly random: () => number;
  private readonly claims?: ClaimGroups;
  private readonly records?: RecordGroups;

  constructor(
    private readonly deps: DeliveryDeps,
    private readonly settings: DeliverySettings,
    private token: string,
    private readonly counters: SendCounters,
  ) {
    this.policy = settings.retry;
    this.random = deps.random ?? Math.random;
    if (deps.guard) {
      // A claim may take as long as a request may, inside the deadline; recording comes after the sends.
      this.claims = new ClaimGroups(deps.guard, () => AbortSignal.timeout(Math.max(1, Math.min(settings.requestTimeoutMs, deps.deadline - deps.clock.now()))));
      this.records = new RecordGroups(deps.guard, deps.clock, () => AbortSignal.timeout(settings.settleTimeoutMs));
    }
  }

  /** Sends one job, through the guard when there is one, so that a delivered endpoint is never messaged twice. */
  async send(job: DeliveryJob): Promise<EndpointResult> {
    const { claims, records } = this;
    if (!claims || !records || !job.key) return this.sendWithRetry(job);
    const key = job.key;
    let claimed = false;
    const result = await this.sendWithRetry(job, async () => {
      const outcome = await claims.claim(key);
      if (outcome.kind !== 'claimed') return this.unclaimed(job, outcome);
      claimed = true;
      return undefined;
    });
    if (claimed) records.add({ key, result });
    return result;
  }

  recorded(): Promise<number> {
    return this.records?.flush() ?? Promise.resolve(0);
  }

  /** What a job whose key this invocation could not claim comes to: nothing is sent. */
  private unclaimed(job: DeliveryJob, outcome: Exclude<ClaimOutcome, { kind: 'claimed' }>): EndpointResult {
    switch (outcome.kind) {
      case 'already-delivered':
        this.counters.alreadyDelivered += 1;
        this.deps.logger.info('Already delivered by an earlier invocation; not sent again', { endpointId: maskEndpointId(job.endpointId), messageId: outcome.messageId });
        return { endpointId: job.endpointId, status: 'delivered', channelType: job.channelType, messageId: outcome.messageId, reason: 'already_delivered', attempts: 0 };
      case 'in-progress':
        // The invocation delivering it reports it; counting it here too would count it twice.
        return skipped(job.endpointId, job.channelType, 'in_progress_elsewhere');
      case 'uncertain-earlier':
        // An earlier attempt may have arrived (its job is in the dead-letter queue); only an operator's redrive may send it again.
        this.deps.logger.info('An earlier attempt may have arrived; not sent again', { endpointId: maskEndpointId(job.endpointId) });
        return skipped(job.endpointId, job.channelType, 'uncertain_earlier');
      case 'unavailable':
        return this.report(failed(job.endpointId, job.channelType, 'idempotency_unavailable',
          `could not check earlier deliveries (${outcome.reason}); not sent, so as not to send twice`, true, 0, job));
    }
  }

  /**
   * `beforeFirst` runs once, when the first request is about to start (after the pacer, inside the
   * deadline); a result from it ends the job without sending.
   */
  private async sendWithRetry(job: DeliveryJob, beforeFirst?: () => Promise<EndpointResult | undefined>): Promise<EndpointResult> {
    let attempts = 0;
    let last: SendFailure | undefined;
    let tokenRefreshed = false;
    const { clock, deadline } = this.deps;
    try {
      for (;;) {
        // Waiting for the pacer comes first, so the deadline is checked against when the request would start.
        await this.deps.pacer?.acquire();
        let now = clock.now();
        if (!fitsBeforeDeadline(this.policy, now, 0, deadline)) {
          return this.outOfTime(job, attempts, last);
        }
        if (attempts === 0 && beforeFirst) {
          const instead = await beforeFirst();
          if (instead) return instead;
          now = clock.now();
          if (!fitsBeforeDeadline(this.policy, now, 0, deadline)) return this.outOfTime(job, attempts, last);
        }
        attempts += 1;
        const token = this.token;
        const outcome = await this.deps.provider.send({
          recipient: job.recipient,
          message: job.message,
          token,
          signal: AbortSignal.timeout(Math.max(1, Math.min(this.settings.requestTimeoutMs, deadline - now))),
        });
        if (outcome.ok) {
          this.deps.pacer?.onSuccess();
          return this.delivered(job, outcome.messageId, attempts);
        }
        last = outcome;
        if (outcome.throttled) {
          this.counters.throttled += 1;
          this.deps.pacer?.onThrottled();
        }

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
      this.deps.logger.error('Unexpected error while sending', { endpointId: maskEndpointId(job.endpointId), error: String(error) });
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
    this.deps.logger.debug('Delivered', { endpointId: maskEndpointId(job.endpointId), recipient: job.maskedRecipient, messageId, attempts });
    return { endpointId: job.endpointId, status: 'delivered', channelType: job.channelType, messageId, attempts, delivery: deliveryOf(job) };
  }

  private failedAttempt(job: DeliveryJob, outcome: SendFailure, attempts: number): EndpointResult {
    // A token the provider keeps rejecting is the deployment's problem, like a wrong address.
    const configurationProblem = outcome.disposition === 'configuration' || outcome.disposition === 'refresh-token';
    const retryable = configurationProblem || outcome.disposition === 'retry' || outcome.disposition === 'defer';
    return this.report({
      ...failed(job.endpointId, job.channelType, outcome.errorCode, outcome.detail, retryable, attempts, job),
      mayHaveBeenSent: outcome.mayHaveBeenSent ?? false,
      ...(configurationProblem ? { configurationProblem } : {}),
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
    if (result.configurationProblem) {
      const code = result.errorCode ?? 'unknown';
      if (!this.configurationLogged.has(code)) {
        this.configurationLogged.add(code);
        this.deps.logger.error('Not sent: the deployment\'s configuration must be fixed; the endpoints are kept for a resend once it is', {
          errorCode: code, reason: result.reason,
        });
      }
      return result;
    }
    this.deps.logger.warn('Delivery failed', {
      endpointId: maskEndpointId(result.endpointId),
      recipient: result.delivery?.maskedRecipient,
      errorCode: result.errorCode,
      reason: result.reason,
      attempts: result.attempts,
      retryable: result.retryable,
    });
    return result;
  }
}
