/**
 * What a messaging channel must provide to the delivery core. Adding a channel means writing one
 * of these (and its config); the core does not change.
 */

/** The part of a Pinpoint endpoint definition that channels read. Values come from Pinpoint, so every field is optional. */
export interface EndpointDefinition {
  readonly ChannelType?: string;
  readonly Address?: string;
  readonly EndpointStatus?: string;
  readonly OptOut?: string;
  readonly Attributes?: Record<string, unknown>;
  readonly User?: { readonly UserId?: string; readonly UserAttributes?: Record<string, unknown> };
}

export type JsonObject = { [key: string]: unknown };

/** The provider's address for an endpoint, or why the endpoint must not be messaged. */
export type RecipientResolution =
  | { readonly recipient: string; readonly masked: string }
  | { readonly skipReason: string };

/**
 * How the core should treat a failed attempt.
 * - `retry`: transient, and surely not delivered; try again within this invocation.
 * - `defer`: transient, but retrying now would not help or could send twice; report it for a later retry.
 * - `refresh-token`: the provider rejected the token; re-read the secret once, then retry.
 * - `permanent`: never retry.
 */
export type FailureDisposition = 'retry' | 'defer' | 'refresh-token' | 'permanent';

export type SendOutcome = { readonly ok: true; readonly messageId: string } | SendFailure;

export interface SendFailure {
  readonly ok: false;
  readonly disposition: FailureDisposition;
  /** The provider's error code, or one of ours: `http_<status>`, `network_<code>`, `timeout`. */
  readonly errorCode: string;
  /** Short, safe to log and to return to Pinpoint: never the token, never the address. */
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

export interface ChannelProvider {
  /** Short name for logs and metrics, e.g. `whatsapp`. */
  readonly channel: string;
  /** Why this message object (the campaign's Data, before placeholders) cannot be sent, or undefined. */
  checkMessage(message: JsonObject): string | undefined;
  resolveRecipient(endpoint: EndpointDefinition): RecipientResolution;
  send(request: SendRequest): Promise<SendOutcome>;
}

/** Only the last four characters of a phone number or PSID: enough to tell recipients apart in logs, not to reach them. */
export function maskRecipient(recipient: string): string {
  return `***${recipient.slice(-4)}`;
}
