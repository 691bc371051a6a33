/** Fakes for driving the delivery core without a network or a real clock. */
import type { DeliveryLogger } from '../../lambda/domain';
import type { ChannelProvider, EndpointDefinition, JsonObject, RecipientResolution, SendOutcome, SendRequest } from '../../lambda/domain';
import type { Clock } from '../../lambda/domain';
import type { TokenSource } from '../../lambda/domain';

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
export const failure = (disposition: 'retry' | 'defer' | 'refresh-token' | 'permanent', errorCode: string, throttled = false, retryAfterMs?: number): SendOutcome =>
  ({ ok: false, disposition, errorCode, detail: `scripted ${errorCode}`, throttled, retryAfterMs });

/** A provider whose answers are scripted per recipient; each request takes `latencyMs` on the clock. */
export class ScriptedProvider implements ChannelProvider {
  readonly channel = 'scripted';
  readonly sent: SendRequest[] = [];
  private readonly scripts = new Map<string, SendOutcome[]>();
  constructor(private readonly clock: FakeClock, private readonly latencyMs = 0) {}

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
