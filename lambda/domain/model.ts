/**
 * The delivery domain: what a job is, how it can end, and what a provider answers. Pure types and
 * small pure helpers; no trigger, provider or AWS service appears here.
 */
import type { JsonObject } from '../contract';

export type { JsonObject };

/** The campaign (or journey) a delivery belongs to; absent ids are undefined. */
export interface CampaignIds {
  readonly applicationId?: string;
  readonly campaignId?: string;
  readonly treatmentId?: string;
  readonly activityId?: string;
  readonly journeyId?: string;
}

/**
 * Every endpoint ends in exactly one of these. `retrying`: a transient failure, handed to the job
 * queue for the worker to retry at pace. `failed`: permanent (with the reason), uncertain, or
 * transient but the job queue could not take it (then `retryable`). `queued`: handed to the job
 * queue, for the worker to send.
 */
export type EndpointStatus = 'delivered' | 'failed' | 'skipped' | 'retrying' | 'queued';

/** What was (or would have been) sent, for the caller to requeue or dead-letter. */
export interface Delivery {
  readonly recipient: string;
  readonly maskedRecipient: string;
  readonly message: JsonObject;
}

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
  /** Absent when nothing could be built. */
  readonly delivery?: Delivery;
  /** For a failure: the deployment's configuration is at fault, not the endpoint; resend once it is fixed. */
  readonly configurationProblem?: boolean;
}

/** An endpoint that passed every check, with its message built: ready to send. */
export interface DeliveryJob extends Delivery {
  readonly endpointId: string;
  readonly channelType?: string;
  /** Identifies this endpoint's delivery in this campaign run, for the guard. */
  readonly key?: string;
}

/**
 * How the core should treat a failed attempt.
 * - `retry`: transient, and surely not delivered; try again within this invocation.
 * - `defer`: transient, but retrying now would not help or could send twice; report it for a later retry.
 * - `refresh-token`: the provider rejected the token; re-read the secret once, then retry.
 * - `configuration`: the deployment is misconfigured (the token, the provider's address); nothing was
 *   sent, and every endpoint fails the same way until someone fixes it. Not retried now; kept for a
 *   resend after the fix, and reported once per batch.
 * - `permanent`: never retry.
 */
export type FailureDisposition = 'retry' | 'defer' | 'refresh-token' | 'configuration' | 'permanent';

export type SendOutcome = { readonly ok: true; readonly messageId: string } | SendFailure;

export interface SendFailure {
  readonly ok: false;
  readonly disposition: FailureDisposition;
  /** The provider's error code, or one of ours: `http_<status>`, `network_<code>`, `timeout`. */
  readonly errorCode: string;
  /** Short, safe to log and to return to the trigger: never the token, never the address. */
  readonly detail: string;
  readonly throttled: boolean;
  /**
   * The request may have reached the provider and been accepted (no answer, a cut-off answer):
   * sending it again could message the person twice.
   */
  readonly mayHaveBeenSent?: boolean;
  /** From a Retry-After header, when the provider sent one. */
  readonly retryAfterMs?: number;
}

export interface SendRequest {
  readonly recipient: string;
  readonly message: JsonObject;
  readonly token: string;
  readonly signal: AbortSignal;
}

/** The part of a Pinpoint endpoint definition that channels read. Values come from outside, so every field is optional. */
export interface EndpointDefinition {
  readonly ChannelType?: string;
  readonly Address?: string;
  readonly EndpointStatus?: string;
  readonly OptOut?: string;
  readonly Attributes?: Record<string, unknown>;
  readonly User?: { readonly UserId?: string; readonly UserAttributes?: Record<string, unknown> };
}

/** The provider's address for an endpoint, or why the endpoint must not be messaged. */
export type RecipientResolution =
  | { readonly recipient: string; readonly masked: string }
  | { readonly skipReason: string };

/**
 * An endpoint id as it may appear in a log line or a printout: any run of seven or more digits (which
 * could be a phone number, as in ids made from one) keeps only its last four. The response to the
 * trigger and the reported events use the real id.
 */
export function maskEndpointId(endpointId: string): string {
  return endpointId.replace(/\+?\d{7,}/g, (digits) => `***${digits.slice(-4)}`);
}

/** Only the last four characters of a phone number or PSID: enough to tell recipients apart in logs, not to reach them. */
export function maskRecipient(recipient: string): string {
  return `***${recipient.slice(-4)}`;
}
