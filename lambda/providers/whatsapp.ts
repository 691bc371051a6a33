import { checkWhatsAppMessage } from '../contract';
import { GraphErrorRule, postToGraph } from './graph';
import { type ChannelProvider, type EndpointDefinition, type JsonObject, maskRecipient, type RecipientResolution, type SendOutcome, type SendRequest } from '../domain';

/**
 * WhatsApp Cloud API error codes, from Meta's error reference. Codes not listed fall back to the
 * common Graph codes, then to the HTTP status.
 */
export const WHATSAPP_ERRORS: ReadonlyMap<number, GraphErrorRule> = new Map<number, GraphErrorRule>([
  [80007, { disposition: 'retry', throttled: true }], // WhatsApp Business Account rate limit
  [130429, { disposition: 'retry', throttled: true }], // throughput limit of the phone number
  [131056, { disposition: 'retry', throttled: true }], // pair rate limit: too many messages to this user
  [131000, { disposition: 'retry' }], // something went wrong
  [131048, { disposition: 'defer', throttled: true }], // spam rate limit: only later helps
  [131049, { disposition: 'defer' }], // per-user marketing limit: wait 24 h
  [131008, { disposition: 'permanent' }], // required parameter missing
  [131026, { disposition: 'permanent' }], // message undeliverable
  [131047, { disposition: 'permanent' }], // more than 24 h since the user last wrote
  [131050, { disposition: 'permanent' }], // user stopped marketing messages
  [131051, { disposition: 'permanent' }], // unsupported message type
  [130497, { disposition: 'permanent' }], // country restriction
  [132000, { disposition: 'permanent' }], // template parameter count mismatch
  [132001, { disposition: 'permanent' }], // template does not exist
]);

/** E.164: a country code and subscriber number, at most 15 digits. Shorter than 8 cannot be a mobile number. */
const PHONE_DIGITS = /^[1-9]\d{7,14}$/;

export interface WhatsAppProviderOptions {
  readonly baseUrl: string;
  readonly apiVersion: string;
  readonly phoneNumberId: string;
}

export class WhatsAppProvider implements ChannelProvider {
  readonly channel = 'whatsapp';
  private readonly url: string;

  constructor(options: WhatsAppProviderOptions) {
    this.url = `${options.baseUrl}/${options.apiVersion}/${options.phoneNumberId}/messages`;
  }

  checkMessage(message: JsonObject): string | undefined {
    return checkWhatsAppMessage(message);
  }

  resolveRecipient(endpoint: EndpointDefinition): RecipientResolution {
    return resolveWhatsAppRecipient(endpoint);
  }

  send(request: SendRequest): Promise<SendOutcome> {
    return postToGraph({
      url: this.url,
      token: request.token,
      signal: request.signal,
      // The endpoint's fields go last, so nothing in Data can redirect the message.
      body: { ...request.message, messaging_product: 'whatsapp', recipient_type: 'individual', to: request.recipient },
      productErrors: WHATSAPP_ERRORS,
      messageIdOf: (body) => {
        const id = (body as { messages?: { id?: unknown }[] } | undefined)?.messages?.[0]?.id;
        return typeof id === 'string' && id !== '' ? id : undefined;
      },
    });
  }
}

/** A WhatsApp recipient: the endpoint's Address as E.164 digits, or why it has none. Both WhatsApp providers use it. */
export function resolveWhatsAppRecipient(endpoint: EndpointDefinition): RecipientResolution {
  if (typeof endpoint.Address !== 'string' || endpoint.Address.trim() === '') return { skipReason: 'no_address' };
  const digits = normalisePhoneNumber(endpoint.Address);
  if (!digits) return { skipReason: 'address_not_a_phone_number' };
  return { recipient: digits, masked: maskRecipient(digits) };
}

/** The number as E.164 digits without the "+", or undefined if it cannot be a phone number. */
export function normalisePhoneNumber(address: string): string | undefined {
  const compact = address.trim().replace(/[\s().-]/g, '');
  const digits = compact.startsWith('+') ? compact.slice(1) : compact.startsWith('00') ? compact.slice(2) : compact;
  return PHONE_DIGITS.test(digits) ? digits : undefined;
}
