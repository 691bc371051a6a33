/**
 * Sending at the provider's rate: a pacer spaces requests evenly at a rate that backs off when the
 * provider says to slow down and creeps back up while it does not (additive increase,
 * multiplicative decrease, as TCP does). Pure: the clock is passed in.
 */
import type { Clock } from '../domain';

export interface Pacer {
  /** Resolves when the next request may start. */
  acquire(): Promise<void>;
  /** The provider asked to slow down. */
  onThrottled(): void;
  /** A request went through. */
  onSuccess(): void;
}

export interface PacerOptions {
  /** The rate to hold when nothing is throttled, in requests per second. */
  readonly ratePerSecond: number;
  /** Requests that may start at once after a pause. @default 1 */
  readonly burst?: number;
  /** The rate never drops below this. @default a twentieth of ratePerSecond, at least 0.2 */
  readonly minRatePerSecond?: number;
  /** How much of ratePerSecond one second without throttling gives back. @default 0.1 */
  readonly recoveryPerSecond?: number;
}

/** Halving more often than this would count one burst of throttled answers several times. */
const BACKOFF_INTERVAL_MS = 1000;

export class TokenPacer implements Pacer {
  private rate: number;
  private readonly minRate: number;
  private readonly burst: number;
  private readonly recovery: number;
  /** When the next request may start, on the clock (generic cell rate algorithm). */
  private nextSlot = Number.NEGATIVE_INFINITY;
  private lastBackoff = Number.NEGATIVE_INFINITY;

  constructor(private readonly clock: Clock, private readonly options: PacerOptions) {
    if (!(options.ratePerSecond > 0)) throw new Error(`ratePerSecond must be above 0, got ${options.ratePerSecond}`);
    this.rate = options.ratePerSecond;
    this.minRate = options.minRatePerSecond ?? Math.max(0.2, options.ratePerSecond / 20);
    this.burst = Math.max(1, options.burst ?? 1);
    this.recovery = options.recoveryPerSecond ?? 0.1;
  }

  /** The current rate, in requests per second. */
  get currentRate(): number {
    return this.rate;
  }

  async acquire(): Promise<void> {
    const now = this.clock.now();
    const interval = 1000 / this.rate;
    const slot = Math.max(this.nextSlot, now - (this.burst - 1) * interval);
    this.nextSlot = slot + interval;
    if (slot > now) await this.clock.sleep(slot - now);
  }

  onThrottled(): void {
    const now = this.clock.now();
    if (now - this.lastBackoff < BACKOFF_INTERVAL_MS) return;
    this.lastBackoff = now;
    this.rate = Math.max(this.minRate, this.rate / 2);
    // Requests already given later slots keep them; new ones are spaced at the lower rate.
  }

  onSuccess(): void {
    const target = this.options.ratePerSecond;
    if (this.rate >= target) return;
    // Over one second at the current rate, the successes give back `recovery` of the target.
    this.rate = Math.min(target, this.rate + (target * this.recovery) / this.rate);
  }
}
