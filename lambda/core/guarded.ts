/**
 * The duplicate guard, used in groups. A send's claim is made just before its first request, and
 * every claim asked for in the same turn of the event loop goes in one call: a batch sent at once
 * claims all its keys together, and a paced batch claims only what it is about to send (so that a
 * worker that dies mid-batch leaves no claims on jobs it never started). Results are recorded in
 * groups too: one write in flight at a time, what finishes meanwhile goes in the next, and nothing
 * waits longer than `recordAfterMs` while sends are still going on.
 */
import type { ClaimOutcome, Clock, DeliveryGuard, SettledSend } from '../domain';

/** How long a finished send may wait for its record while others are still sending. */
export const RECORD_AFTER_MS = 1000;

export class ClaimGroups {
  private pending = new Map<string, (outcome: ClaimOutcome) => void>();
  private scheduled = false;

  constructor(private readonly guard: DeliveryGuard, private readonly signal: () => AbortSignal) {}

  claim(key: string): Promise<ClaimOutcome> {
    return new Promise((resolve) => {
      // The same key twice in one batch: the first asker sends it, the second finds it taken.
      if (this.pending.has(key)) resolve({ kind: 'in-progress' });
      else this.pending.set(key, resolve);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    const group = this.pending;
    this.pending = new Map();
    this.scheduled = false;
    let outcomes: ReadonlyMap<string, ClaimOutcome> = new Map();
    let failure: ClaimOutcome | undefined;
    try {
      outcomes = await this.guard.claim([...group.keys()], this.signal());
    } catch (error) {
      failure = { kind: 'unavailable', reason: (error as Error).name };
    }
    for (const [key, resolve] of group) resolve(failure ?? outcomes.get(key) ?? { kind: 'unavailable', reason: 'no answer for the key' });
  }
}

export class RecordGroups {
  private pending: SettledSend[] = [];
  private oldest?: number;
  private writing?: Promise<void>;
  private unrecorded = 0;

  constructor(
    private readonly guard: DeliveryGuard,
    private readonly clock: Clock,
    private readonly signal: () => AbortSignal,
    private readonly recordAfterMs = RECORD_AFTER_MS,
  ) {}

  add(send: SettledSend): void {
    this.pending.push(send);
    this.oldest ??= this.clock.now();
    if (!this.writing && this.clock.now() - this.oldest >= this.recordAfterMs) this.write();
  }

  /** Writes what is left; resolves to how many sends could not be recorded in all. */
  async flush(): Promise<number> {
    while (this.writing || this.pending.length > 0) {
      if (this.writing) await this.writing;
      else this.write();
    }
    return this.unrecorded;
  }

  private write(): void {
    const group = this.pending;
    this.pending = [];
    this.oldest = undefined;
    this.writing = this.guard.settle(group, this.signal()).then(
      (failed) => { this.unrecorded += failed; },
      () => { this.unrecorded += group.length; },
    ).finally(() => { this.writing = undefined; });
  }
}
