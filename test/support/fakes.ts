/** Fakes for driving the delivery core without a network, AWS or a real clock: one per port. */
import type {
  CampaignIds, ChannelProvider, Clock, DeadLetter, ClaimOutcome, DeliveryGuard, DeliveryLogger, EndpointDefinition, EndpointResult, FailureDisposition, JobQueue, JsonObject, QueuedJob,
  OutcomeReporter, RecipientResolution, ReportOutcome, SendOutcome, SendRequest, TokenSource,
} from '../../lambda/domain';

/** Time moves only when someone sleeps or a fake request takes time. */
export class FakeClock implements Clock {
  readonly sleeps: number[] = [];
  constructor(public time = 1_000_000) {}
  now(): number {
    return this.time;
  }
  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.time += ms;
  }
}

export const ok = (messageId = 'mid'): SendOutcome => ({ ok: true, messageId });
export const failure = (disposition: FailureDisposition, errorCode: string, throttled = false, retryAfterMs?: number): SendOutcome =>
  ({ ok: false, disposition, errorCode, detail: `scripted ${errorCode}`, throttled, retryAfterMs });

/** A provider whose answers are scripted per recipient; each request takes `latencyMs` on the clock. */
export class ScriptedProvider implements ChannelProvider {
  readonly sent: SendRequest[] = [];
  private readonly scripts = new Map<string, SendOutcome[]>();
  /** `channel`: what it calls itself; a job it writes names it, so a job meant to be valid needs a real one. */
  constructor(private readonly clock: FakeClock, private readonly latencyMs = 0, readonly channel = 'scripted') {}

  script(recipient: string, ...outcomes: SendOutcome[]): this {
    this.scripts.set(recipient, outcomes);
    return this;
  }
  checkMessage(message: JsonObject): string | undefined {
    return typeof message.type === 'string' ? undefined : 'has no "type"';
  }
  resolveRecipient(endpoint: EndpointDefinition): RecipientResolution {
    return endpoint.Address ? { recipient: endpoint.Address, masked: `***${endpoint.Address.slice(-4)}` } : { skipReason: 'no_address' };
  }
  async send(request: SendRequest): Promise<SendOutcome> {
    this.sent.push(request);
    this.clock.time += this.latencyMs;
    return this.scripts.get(request.recipient)?.shift() ?? ok(`mid-${request.recipient.slice(-4)}`);
  }
  sentTo(recipient: string): SendRequest[] {
    return this.sent.filter((r) => r.recipient === recipient);
  }
}

export class StaticTokens implements TokenSource {
  refreshes = 0;
  constructor(private token: string, private readonly next?: string) {}
  async get(): Promise<string> {
    return this.token;
  }
  async refresh(): Promise<string> {
    this.refreshes += 1;
    if (this.next) this.token = this.next;
    return this.token;
  }
}

export interface LogLine { level: string; message: string; extra: Record<string, unknown> }

export class RecordingLogger implements DeliveryLogger {
  readonly lines: LogLine[] = [];
  debug(message: string, ...extra: Record<string, unknown>[]) { this.lines.push({ level: 'debug', message, extra: Object.assign({}, ...extra) }); }
  info(message: string, ...extra: Record<string, unknown>[]) { this.lines.push({ level: 'info', message, extra: Object.assign({}, ...extra) }); }
  warn(message: string, ...extra: Record<string, unknown>[]) { this.lines.push({ level: 'warn', message, extra: Object.assign({}, ...extra) }); }
  error(message: string, ...extra: Record<string, unknown>[]) { this.lines.push({ level: 'error', message, extra: Object.assign({}, ...extra) }); }
}

/** Records every report; it can fail some endpoints, or throw. */
export class FakeReporter implements OutcomeReporter {
  readonly calls: { ids: CampaignIds; results: readonly EndpointResult[]; timestamp: Date }[] = [];
  failing = 0;
  throws = false;
  async report(ids: CampaignIds, results: readonly EndpointResult[], timestamp: Date): Promise<ReportOutcome> {
    this.calls.push({ ids, results, timestamp });
    if (this.throws) throw Object.assign(new Error('down'), { name: 'ServiceUnavailable' });
    return { reported: results.length - this.failing, failed: this.failing };
  }
}

/**
 * The guard's contract in memory: a delivery or an uncertain attempt is remembered, a failure that
 * surely did not arrive is forgotten. `answer` overrides the outcome for chosen keys.
 */
export class FakeGuard implements DeliveryGuard {
  readonly records = new Map<string, { messageId?: string; uncertain?: boolean }>();
  /** Keys claimed and not yet settled. */
  readonly claimed = new Set<string>();
  readonly answer = new Map<string, ClaimOutcome>();
  readonly keys: string[] = [];
  /** How many calls each method got. */
  readonly calls = { claim: 0, settle: 0 };
  async claim(keys: readonly string[]): Promise<ReadonlyMap<string, ClaimOutcome>> {
    this.calls.claim += 1;
    const outcomes = new Map<string, ClaimOutcome>();
    for (const key of keys) {
      this.keys.push(key);
      const record = this.records.get(key);
      const outcome: ClaimOutcome = this.answer.get(key)
        ?? (record ? (record.uncertain ? { kind: 'uncertain-earlier' } : { kind: 'already-delivered', messageId: record.messageId }) : undefined)
        ?? (this.claimed.has(key) ? { kind: 'in-progress' } : { kind: 'claimed' });
      if (outcome.kind === 'claimed') this.claimed.add(key);
      outcomes.set(key, outcome);
    }
    return outcomes;
  }
  async settle(sends: readonly { key: string; result: EndpointResult }[]): Promise<number> {
    this.calls.settle += 1;
    for (const { key, result } of sends) {
      this.claimed.delete(key);
      if (result.status === 'delivered') this.records.set(key, { messageId: result.messageId });
      else if (result.mayHaveBeenSent) this.records.set(key, { uncertain: true });
    }
    return 0;
  }
}

/** The job queue and its dead-letter queue in memory; either can refuse chosen ids, or both be unreachable. */
export class FakeJobQueue implements JobQueue {
  readonly enqueued: QueuedJob[] = [];
  readonly delayed: { receiptHandle: string; delaySeconds: number }[] = [];
  readonly deadLetters: DeadLetter[] = [];
  /** Ids neither queue takes. */
  readonly refuse = new Set<string>();
  refuseDeadLetters = false;
  unreachable = false;
  async enqueue(jobs: readonly QueuedJob[]): Promise<ReadonlySet<string>> {
    if (this.unreachable) throw Object.assign(new Error('down'), { name: 'QueueUnreachable' });
    const taken = jobs.filter((job) => !this.refuse.has(job.id));
    this.enqueued.push(...taken);
    return new Set(taken.map((job) => job.id));
  }
  async retryLater(receiptHandle: string, delaySeconds: number): Promise<void> {
    this.delayed.push({ receiptHandle, delaySeconds });
  }
  async deadLetter(letters: readonly DeadLetter[]): Promise<ReadonlySet<string>> {
    if (this.unreachable) throw Object.assign(new Error('down'), { name: 'QueueUnreachable' });
    if (this.refuseDeadLetters) return new Set();
    const taken = letters.filter((letter) => !this.refuse.has(letter.id));
    this.deadLetters.push(...taken);
    return new Set(taken.map((letter) => letter.id));
  }
  /** The job messages put on the job queue, parsed. */
  jobs(): Record<string, unknown>[] {
    return this.enqueued.map((job) => JSON.parse(job.body) as Record<string, unknown>);
  }
}
