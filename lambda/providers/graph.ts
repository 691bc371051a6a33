/**
 * Posting to Meta's Graph API and classifying its answers. Shared by the WhatsApp and Messenger
 * channels: each adds the error codes of its own product to the common ones here.
 */
import type { FailureDisposition, SendFailure, SendOutcome } from '../domain';
import { type PostAnswer, postJson } from './http-post';

export interface GraphErrorRule {
  readonly disposition: FailureDisposition;
  readonly throttled?: boolean;
}

/** Error codes every Graph API product uses. Branch on `error.code`, never on the HTTP status or the text. */
export const COMMON_GRAPH_ERRORS: ReadonlyMap<number, GraphErrorRule> = new Map<number, GraphErrorRule>([
  [1, { disposition: 'retry' }], // unknown error
  [2, { disposition: 'retry' }], // service temporarily unavailable
  [4, { disposition: 'retry', throttled: true }], // application request limit
  [17, { disposition: 'retry', throttled: true }], // user request limit
  [32, { disposition: 'retry', throttled: true }], // page request limit
  [613, { disposition: 'retry', throttled: true }], // calls within one hour exceeded
  [0, { disposition: 'permanent' }], // authorisation exception
  [10, { disposition: 'permanent' }], // permission denied
  [100, { disposition: 'permanent' }], // invalid parameter
  [190, { disposition: 'refresh-token' }], // access token expired or invalid
  [368, { disposition: 'permanent' }], // temporarily blocked for policy violations
]);

/** 200-299 are permission errors throughout the Graph API. */
function isPermissionCode(code: number): boolean {
  return code >= 200 && code <= 299;
}

export interface GraphPostOptions {
  readonly url: string;
  readonly token: string;
  readonly body: unknown;
  readonly signal: AbortSignal;
  /** The product's own codes, checked before the common ones. */
  readonly productErrors: ReadonlyMap<number, GraphErrorRule>;
  /** Reads the id of the accepted message from a 2xx body. */
  readonly messageIdOf: (body: unknown) => string | undefined;
}

/** Connection failures in which the request surely never reached the provider, or the socket was reset. */
const RETRYABLE_NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH',
]);

export async function postToGraph(options: GraphPostOptions): Promise<SendOutcome> {
  let response: PostAnswer;
  try {
    response = await postJson(options.url, { 'content-type': 'application/json', authorization: `Bearer ${options.token}` }, JSON.stringify(options.body), options.signal);
  } catch (error) {
    return networkFailure(error, options.signal);
  }
  if (response.status >= 300 && response.status < 400) {
    // A redirect would re-post the number and the message to another origin.
    response.discard();
    return {
      ok: false, disposition: 'configuration', errorCode: 'redirect', throttled: false, mayHaveBeenSent: false,
      detail: `the provider's address answered ${response.status} (a redirect), which is refused: check the base URL`,
    };
  }

  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    // The provider answered but the body was cut off: it may well have accepted the message.
    return { ...networkFailure(error, options.signal), disposition: 'defer', mayHaveBeenSent: true };
  }
  const body = parseJson(text);

  if (response.status >= 200 && response.status < 300) {
    const messageId = options.messageIdOf(body);
    if (messageId) return { ok: true, messageId };
    // Accepted by HTTP but not in the documented form: do not resend, the message may be out.
    return {
      ok: false, disposition: 'defer', errorCode: `http_${response.status}`, detail: 'success response without a message id', throttled: false, mayHaveBeenSent: true,
    };
  }
  return classifyGraphError(response.status, body, retryAfterMs(response.header('retry-after')), options.productErrors, options.token);
}

/** `token`, when given, is cut out of any text taken from the answer. */
export function classifyGraphError(
  status: number, body: unknown, retryAfter: number | undefined, productErrors: ReadonlyMap<number, GraphErrorRule>, token?: string,
): SendFailure {
  const error = graphError(body);
  if (error) {
    const rule = productErrors.get(error.code) ?? COMMON_GRAPH_ERRORS.get(error.code)
      ?? (isPermissionCode(error.code) ? { disposition: 'permanent' as const } : undefined)
      ?? ruleForStatus(status);
    return {
      ok: false,
      disposition: rule.disposition,
      errorCode: String(error.code),
      detail: safeText(error.message ?? `HTTP ${status}`, token),
      throttled: rule.throttled ?? false,
      retryAfterMs: retryAfter,
    };
  }
  const rule = ruleForStatus(status);
  return {
    ok: false, disposition: rule.disposition, errorCode: `http_${status}`, detail: `HTTP ${status} without a Graph error body`,
    throttled: rule.throttled ?? false, retryAfterMs: retryAfter,
  };
}

function ruleForStatus(status: number): GraphErrorRule {
  if (status === 429) return { disposition: 'retry', throttled: true };
  if (status >= 500) return { disposition: 'retry' };
  return { disposition: 'permanent' };
}

function networkFailure(error: unknown, signal: AbortSignal): SendFailure {
  if (isRefusedBeforeSending(error)) {
    // The request was never made (a URL with credentials, say): nothing left this process.
    return {
      ok: false, disposition: 'configuration', errorCode: 'invalid_request', throttled: false, mayHaveBeenSent: false,
      detail: 'the request could not be made: check the provider base URL',
    };
  }
  if (signal.aborted) {
    // The request was sent and not answered in time. The provider may have accepted it, and the
    // Graph API has no idempotency key, so a resend could message the person twice.
    return { ok: false, disposition: 'defer', errorCode: 'timeout', detail: 'no response before the request timeout', throttled: false, mayHaveBeenSent: true };
  }
  const code = errorCode(error);
  const retryable = code !== undefined && RETRYABLE_NETWORK_CODES.has(code);
  return {
    ok: false,
    disposition: retryable ? 'retry' : 'defer',
    errorCode: `network_${code ?? 'error'}`,
    detail: `network error${code ? ` ${code}` : ''}`,
    throttled: false,
    // An error we cannot place may have come after the request went out.
    mayHaveBeenSent: !retryable,
  };
}

function errorCode(error: unknown): string | undefined {
  // The socket error's code, on the error itself or on a cause it wraps.
  for (let current: unknown = error, depth = 0; current && depth < 4; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function graphError(body: unknown): { code: number; message?: string } | undefined {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  if (!error || typeof error.code !== 'number') return undefined;
  return { code: error.code, message: typeof error.message === 'string' ? error.message : undefined };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function retryAfterMs(header: string | undefined): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

function isRefusedBeforeSending(error: unknown): boolean {
  // By name: the test runner's realm has classes of its own.
  return (error as { name?: string } | undefined)?.name === 'RequestRefused';
}

/**
 * Text from the provider, made safe to log and to return to the trigger: the token (which an error
 * can echo) and long digit runs (which can be the recipient) are masked, and the length is bounded.
 */
export function safeText(text: string, token?: string): string {
  const withoutToken = token && token.length >= 8 ? text.split(token).join('[token]') : text;
  const safe = withoutToken.replace(/\bEA[A-Za-z0-9]{20,}/g, '[token]').replace(/\+?\d[\d ()-]{6,}\d/g, '[number]');
  return safe.length > 200 ? `${safe.slice(0, 197)}...` : safe;
}
