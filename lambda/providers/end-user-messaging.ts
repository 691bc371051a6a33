/**
 * WhatsApp through AWS End User Messaging Social: `SendWhatsAppMessage` (`POST /v1/whatsapp/send`),
 * authorised by the function's IAM role, so no Meta token is read. The message is the same Cloud API
 * message object the Graph provider posts, passed as a blob; the answer is a message id, which
 * means accepted, not delivered: Meta's verdict on delivery (and its error codes, such as 131026)
 * arrives later as a status event at the WhatsApp Business Account's event destination.
 */
import type { SendWhatsAppMessageCommand, SocialMessagingClient } from '@aws-sdk/client-socialmessaging';
import { checkWhatsAppMessage } from '../contract';
import type { ChannelProvider, EndpointDefinition, FailureDisposition, JsonObject, RecipientResolution, SendFailure, SendOutcome, SendRequest } from '../domain';
import { resolveWhatsAppRecipient } from './whatsapp';

export interface EndUserMessagingProviderOptions {
  /** `phone-number-id-…`: the linked number the messages come from. */
  readonly originationPhoneNumberId: string;
  /** Meta's API version, `v<number>`, that End User Messaging Social passes the message on with. */
  readonly metaApiVersion: string;
}

/** The SDK's client and command, loaded on the first send: a Graph deployment never loads them. */
export interface SocialMessagingSdk {
  readonly client: Pick<SocialMessagingClient, 'send'>;
  readonly SendWhatsAppMessageCommand: typeof SendWhatsAppMessageCommand;
}

/**
 * The operation's errors, from its API reference, and what each means for the endpoint: throttling
 * and AWS's or Meta's side failing are worth a retry; a refused message is permanent; a missing
 * number or a missing permission is the deployment's fault, the same for every endpoint.
 */
const ERRORS: Readonly<Record<string, { disposition: FailureDisposition; throttled?: boolean }>> = {
  ThrottledRequestException: { disposition: 'retry', throttled: true },
  LimitExceededException: { disposition: 'retry', throttled: true },
  InternalServiceException: { disposition: 'retry' },
  DependencyException: { disposition: 'retry' },
  ValidationException: { disposition: 'permanent' },
  InvalidParametersException: { disposition: 'permanent' },
  ResourceNotFoundException: { disposition: 'configuration' },
  AccessDeniedException: { disposition: 'configuration' },
  AccessDeniedByMetaException: { disposition: 'configuration' },
};

/** Socket errors that happen before a request could reach the service: a retry cannot send twice. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET']);

export class EndUserMessagingWhatsAppProvider implements ChannelProvider {
  readonly channel = 'whatsapp';

  constructor(private readonly sdk: () => Promise<SocialMessagingSdk>, private readonly options: EndUserMessagingProviderOptions) {}

  checkMessage(message: JsonObject): string | undefined {
    return checkWhatsAppMessage(message);
  }

  resolveRecipient(endpoint: EndpointDefinition): RecipientResolution {
    return resolveWhatsAppRecipient(endpoint);
  }

  async send(request: SendRequest): Promise<SendOutcome> {
    // The endpoint's fields go last, so nothing in the message can redirect it. `to` takes the "+".
    const message = { ...request.message, messaging_product: 'whatsapp', recipient_type: 'individual', to: `+${request.recipient}` };
    // Outside the try: an SDK that cannot be loaded is not a network error and sent nothing.
    const { client, SendWhatsAppMessageCommand } = await this.sdk();
    try {
      const { messageId } = await client.send(new SendWhatsAppMessageCommand({
        originationPhoneNumberId: this.options.originationPhoneNumberId,
        metaApiVersion: this.options.metaApiVersion,
        message: new TextEncoder().encode(JSON.stringify(message)),
      }), { abortSignal: request.signal });
      if (!messageId) return failure('defer', 'no_message_id', 'accepted without a message id', { mayHaveBeenSent: true });
      return { ok: true, messageId };
    } catch (error) {
      return classify(error, request.signal);
    }
  }
}

function classify(error: unknown, signal: AbortSignal): SendFailure {
  const name = (error as Error).name;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const rule = Object.hasOwn(ERRORS, name) ? ERRORS[name] : undefined;
  // The service's own message: an AWS error text, which carries neither the token (there is none) nor the number.
  const detail = `End User Messaging Social: ${name}${status ? ` (HTTP ${status})` : ''}`;
  if (rule) return failure(rule.disposition, name, detail, { throttled: rule.throttled });
  if (status !== undefined) return failure(status === 429 || status >= 500 ? 'retry' : 'permanent', `http_${status}`, detail, { throttled: status === 429 });
  if (signal.aborted) {
    // Sent and not answered in time: it may have been accepted, and a resend could message twice.
    return failure('defer', 'timeout', 'no response before the request timeout', { mayHaveBeenSent: true });
  }
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && NOT_SENT_CODES.has(code)) return failure('retry', `network_${code}`, `network error ${code}`);
  return failure('defer', 'network_error', `network error${typeof code === 'string' ? ` ${code}` : ''}`, { mayHaveBeenSent: true });
}

function failure(disposition: FailureDisposition, errorCode: string, detail: string, extra: { throttled?: boolean; mayHaveBeenSent?: boolean } = {}): SendFailure {
  return { ok: false, disposition, errorCode, detail, throttled: extra.throttled ?? false, mayHaveBeenSent: extra.mayHaveBeenSent ?? false };
}
