/**
 * The Connect trigger's settings, checked the same way at synth (lib/) and at the function's cold
 * start: the messages a campaign may send, keyed by campaign id or name, and their placeholders.
 */
import { channelShapeProblem, isObject, type JsonObject, messageShapeProblem, PLACEHOLDER, visitStrings } from './messages';
import { CONNECT_DEFAULT_MESSAGE_KEY, type DeliveryChannel } from './names';

/** The placeholders a customer profile can fill: its own fields, and its custom attributes. */
const CONNECT_PLACEHOLDER = /^Profile\.([A-Za-z][A-Za-z0-9]*|Attributes\.[^.\s]+)$/;

/** A Customer Profiles field name, as the phone fields are given. */
export const PROFILE_FIELD = /^[A-Za-z][A-Za-z0-9]{0,63}$/;

/** Campaign id or name (or `*`) to the message it sends. */
export type ConnectMessages = Readonly<Record<string, JsonObject>>;

export type ConnectMessagesResult = { readonly ok: true; readonly messages: ConnectMessages } | { readonly ok: false; readonly problem: string };

/** Why the message's placeholders cannot be filled from a customer profile, or undefined. */
export function connectPlaceholderProblem(message: JsonObject): string | undefined {
  const unsupported = new Set<string>();
  visitStrings(message, (text) => {
    for (const [, path] of text.matchAll(PLACEHOLDER)) if (!CONNECT_PLACEHOLDER.test(path)) unsupported.add(`{{${path}}}`);
  });
  if (unsupported.size === 0) return undefined;
  return `uses unsupported placeholders ${[...unsupported].join(', ')}; use {{Profile.FIELD}} (such as {{Profile.FirstName}}) `
    + 'or {{Profile.Attributes.NAME}}';
}

/** Why `message` cannot be sent on `channel` to a customer profile, or undefined. */
export function connectMessageProblem(channel: DeliveryChannel, message: JsonObject): string | undefined {
  return messageShapeProblem(message, 'the message') ?? channelShapeProblem(channel, message) ?? connectPlaceholderProblem(message);
}

/**
 * The message map in `value` (an object, or its JSON), every message checked for `channel`; or the
 * first problem, naming the campaign key it is under.
 */
export function parseConnectMessages(value: unknown, channel: DeliveryChannel): ConnectMessagesResult {
  let map = value;
  if (typeof value === 'string') {
    try {
      map = JSON.parse(value);
    } catch {
      return { ok: false, problem: 'is not valid JSON' };
    }
  }
  if (!isObject(map) || Object.keys(map).length === 0) {
    return { ok: false, problem: `must be a non-empty object of campaign id or name (or "${CONNECT_DEFAULT_MESSAGE_KEY}") to message` };
  }
  for (const [key, message] of Object.entries(map)) {
    if (key.trim() === '' || key.length > 256) return { ok: false, problem: `has a campaign key "${key}" that is empty or over 256 characters` };
    if (!isObject(message)) return { ok: false, problem: `has a message for "${key}" that is not a JSON object` };
    const problem = connectMessageProblem(channel, message);
    if (problem) return { ok: false, problem: `has a message for "${key}" that ${problem}` };
  }
  return { ok: true, messages: map as ConnectMessages };
}

/** The message for a campaign: by its id, then by its name, then the `*` default; undefined if none. */
export function messageForCampaign(messages: ConnectMessages, campaignId: string, campaignName: string): JsonObject | undefined {
  for (const key of [campaignId, campaignName, CONNECT_DEFAULT_MESSAGE_KEY]) if (Object.hasOwn(messages, key)) return messages[key];
  return undefined;
}
