/**
 * The interfaces the delivery core needs. Adapters (a provider, Secrets Manager, SQS, DynamoDB,
 * Pinpoint) implement them; only the entry points choose which adapters the core gets.
 */
import type {
  CampaignIds, EndpointDefinition, EndpointResult, JsonObject, RecipientResolution, SendOutcome, SendRequest,
} from './model';

/** A messaging channel: what it accepts, whom it can reach, and how it sends. */
export interface ChannelProvider {
  /** Short name for logs and metrics, e.g. `whatsapp`. */
  readonly channel: string;
  /** Why this message object (the campaign's Data, before placeholders) cannot be sent, or undefined. */
  checkMessage(message: JsonObject): string | undefined;
  resolveRecipient(endpoint: EndpointDefinition): RecipientResolution;
  send(request: SendRequest): Promise<SendOutcome>;
}

/** The token could not be read. Nothing was sent; the invocation fails as a whole. */
export class TokenUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TokenUnavailableError';
  }
}

export interface TokenSource {
  get(): Promise<string>;
  /** Re-reads the token, e.g. after the provider rejected `rejected`. Returns the (maybe new) token. */
  refresh(rejected: string): Promise<string>;
}

export interface ReportOutcome {
  /** Endpoints whose outcome was recorded. */
  readonly reported: number;
  /** Endpoints whose outcome was not recorded. */
  readonly failed: number;
  /** Why, when the call itself failed. */
  readonly error?: string;
}

/** Where each endpoint's final outcome is recorded (Pinpoint's events, for the Pinpoint trigger). */
export interface OutcomeReporter {
  report(ids: CampaignIds, results: readonly EndpointResult[], timestamp: Date, signal: AbortSignal): Promise<ReportOutcome>;
}

/** What the guard found for a key, before its send. */
export type ClaimOutcome =
  /** The key is this invocation's to send, and no one else's until it is settled. */
  | { readonly kind: 'claimed' }
  /** An earlier invocation delivered it; nothing is sent now. */
  | { readonly kind: 'already-delivered'; readonly messageId?: string }
  /** An earlier invocation's request went unanswered, so it may have arrived; nothing is sent now. */
  | { readonly kind: 'uncertain-earlier' }
  /** Another invocation holds the claim (it is sending, or died while it may have been); nothing is sent now. */
  | { readonly kind: 'in-progress' }
  /** The record could not be checked; nothing is sent, so that nothing is sent twice. */
  | { readonly kind: 'unavailable'; readonly reason: string };

/** The result of a claimed key's send, for the guard to remember or release. */
export interface SettledSend {
  readonly key: string;
  readonly result: EndpointResult;
}

/**
 * Remembers deliveries by key, so that a repeated batch or a redrive messages no one twice. A key is
 * claimed before its send and settled after it: a delivery is remembered, and so is an attempt that
 * may have arrived; a claim whose send surely did not arrive is released, so that it can be tried
 * again. Both work on many keys at once, so that a batch costs a few calls, not two per endpoint.
 */
export interface DeliveryGuard {
  /** One outcome per distinct key. Never rejects: what it could not check is `unavailable`. */
  claim(keys: readonly string[], signal: AbortSignal): Promise<ReadonlyMap<string, ClaimOutcome>>;
  /**
   * Records the sends of claimed keys. Never rejects; resolves to how many it could not record. Such a
   * key stays claimed: a repeat finds it in progress, and does not send, until the record expires.
   */
  settle(sends: readonly SettledSend[], signal: AbortSignal): Promise<number>;
}

/** A job on its way to the dead-letter queue: the original body, and why it ends there. */
export interface DeadLetter {
  /** Identifies the letter in the answer (the SQS message id of the job, or the endpoint id). */
  readonly id: string;
  readonly body: string;
  readonly errorCode: string;
  readonly reason: string;
  /** Sending it again would fail the same way. */
  readonly permanent: boolean;
  /** The provider may have delivered it; a resend could message the person twice. */
  readonly uncertain: boolean;
}

/** A job to put on the job queue. */
export interface QueuedJob {
  readonly id: string;
  readonly body: string;
  /** Seconds before it may be received (0 to 900). */
  readonly delaySeconds: number;
}

/** The job queue and its dead-letter queue, as the worker and the triggers use them. */
export interface JobQueue {
  /** Puts jobs on the job queue; resolves to the ids it took. */
  enqueue(jobs: readonly QueuedJob[], signal: AbortSignal): Promise<ReadonlySet<string>>;
  /** Makes a received job visible again after `delaySeconds`, so that it is retried later, at pace. */
  retryLater(receiptHandle: string, delaySeconds: number): Promise<void>;
  /** Sends letters to the dead-letter queue; resolves to the ids it took. */
  deadLetter(letters: readonly DeadLetter[], signal: AbortSignal): Promise<ReadonlySet<string>>;
}

/** The subset of Powertools' Logger the core uses; tests pass a recorder. */
export interface DeliveryLogger {
  debug(message: string, ...extra: Record<string, unknown>[]): void;
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}
