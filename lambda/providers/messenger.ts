import { checkMessengerMessage } from '../contract';
import { type GraphErrorRule, postToGraph } from './graph';
import { type ChannelProvider, type EndpointDefinition, type JsonObject, maskRecipient, type RecipientResolution, type SendOutcome, type SendRequest } from '../domain';

/**
 * Messenger Send API error codes, from Meta's error reference; the common Graph codes (rate limits 4
 * and 613, 190, 10, 100, 200-299, 368, ...) apply too.
 */
export const MESSENGER_ERRORS: ReadonlyMap<number, GraphErrorRule> = new Map<number, GraphErrorRule>([
  [1200, { disposition: 'retry' }], // temporary send message failure
  [9, { disposition: 'defer', throttled: true }], // the person received too many messages: only later helps
  [551, { disposition: 'permanent' }], // this person isn't available right now (blocked the Page, deactivated)
]);

export interface MessengerProviderOptions {
  readonly baseUrl: string;
  readonly apiVersion: string;
  /** The Page's id, or `me` for the Page the token belongs to. */
  readonly pageId: string;
  /** The user attribute holding each person's PSID. */
  readonly psidAttribute: string;
}

/**
 * Facebook Messenger. Data is the Send API body without the recipient:
 * `{"messaging_type": "UPDATE", "message": {"text": "Hi {{User.UserAttributes.FirstName}}"}}`.
 */
export class MessengerProvider implements ChannelProvider {
  readonly channel = 'messenger';
  private readonly url: string;

  constructor(private readonly options: MessengerProviderOptions) {
    this.url = `${options.baseUrl}/${options.apiVersion}/${options.pageId}/messages`;
  }

  checkMessage(message: JsonObject): string | undefined {
    return checkMessengerMessage(message);
  }

  resolveRecipient(endpoint: EndpointDefinition): RecipientResolution {
    const value = endpoint.User?.UserAttributes?.[this.options.psidAttribute];
    const psid = Array.isArray(value) ? value[0] : value;
    if (typeof psid !== 'string' || !/^\d{5,30}$/.test(psid)) return { skipReason: 'no_psid' };
    return { recipient: psid, masked: maskRecipient(psid) };
  }

  send(request: SendRequest): Promise<SendOutcome> {
    return postToGraph({
      url: this.url,
      token: request.token,
      signal: request.signal,
      body: { messaging_type: 'UPDATE', ...request.message, recipient: { id: request.recipient } },
      productErrors: MESSENGER_ERRORS,
      messageIdOf: (body) => {
        const id = (body as { message_id?: unknown } | undefined)?.message_id;
        return typeof id === 'string' && id !== '' ? id : undefined;
      },
    });
  }
}
