/**
 * The checks a campaign's message passes before anything is sent. The function runs them on every
 * batch and the app runs the same ones at synth, so synth rejects exactly what the function would.
 */
import { type DeliveryChannel, MAX_DATA_BYTES } from './names';

export type JsonObject = { [key: string]: unknown };

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Keys that could reach an object's prototype once the message is copied. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** `{{ path }}` anywhere inside a string of the message. */
export const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
/** The placeholders a Pinpoint endpoint can fill. */
const SUPPORTED_PLACEHOLDER = /^(Address|User\.UserId|Attributes\.[^.\s]+|User\.UserAttributes\.[^.\s]+)$/;

/** Far beyond any message Meta accepts; deeper Data is refused before anything walks it. */
export const MAX_DATA_DEPTH = 32;

export type DataParseResult = { readonly ok: true; readonly message: JsonObject } | { readonly ok: false; readonly problem: string };

/** The campaign's Data parsed, or why it cannot be a message at all. Problems name it `Data`. */
export function parseMessageData(data: unknown): DataParseResult {
  if (typeof data !== 'string' || data.trim() === '') return { ok: false, problem: 'Data is missing: the campaign has no CustomMessage.Data' };
  const bytes = new TextEncoder().encode(data).length;
  if (bytes > MAX_DATA_BYTES) return { ok: false, problem: `Data is ${bytes} bytes, over the ${MAX_DATA_BYTES}-byte limit of Pinpoint's CustomMessage.Data` };
  let message: unknown;
  try {
    message = JSON.parse(data);
  } catch {
    return { ok: false, problem: 'Data is not valid JSON' };
  }
  if (!isObject(message)) return { ok: false, problem: 'Data is not a JSON object' };
  const problem = messageShapeProblem(message, 'Data');
  return problem ? { ok: false, problem } : { ok: true, message };
}

/** Why a parsed message (called `label` in the problem) is unsafe to copy and render: too deep, or a forbidden key. */
export function messageShapeProblem(message: JsonObject, label: string): string | undefined {
  if (depthOf(message, MAX_DATA_DEPTH) > MAX_DATA_DEPTH) return `${label} is nested more than ${MAX_DATA_DEPTH} levels deep`;
  const forbiddenPath = findForbiddenKey(message, label);
  return forbiddenPath ? `${forbiddenPath} is a forbidden key` : undefined;
}

/** Why `message` cannot be sent on `channel` from a Pinpoint campaign, phrased after "Data", or undefined. */
export function channelMessageProblem(channel: DeliveryChannel, message: JsonObject): string | undefined {
  return channelShapeProblem(channel, message) ?? placeholderProblem(message);
}

/** Why `message` is not one `channel` takes, whatever fills its placeholders, or undefined. */
export function channelShapeProblem(channel: DeliveryChannel, message: JsonObject): string | undefined {
  return channel === 'whatsapp' ? checkWhatsAppMessage(message) : checkMessengerMessage(message);
}

/** Placeholders in the message that are not one of the supported forms. */
export function unsupportedPlaceholders(message: JsonObject): string[] {
  const unsupported = new Set<string>();
  visitStrings(message, (text) => {
    for (const [, path] of text.matchAll(PLACEHOLDER)) if (!SUPPORTED_PLACEHOLDER.test(path)) unsupported.add(`{{${path}}}`);
  });
  return [...unsupported];
}

/** Why the message's placeholders cannot be filled from a Pinpoint endpoint, or undefined. */
export function placeholderProblem(message: JsonObject): string | undefined {
  const placeholders = unsupportedPlaceholders(message);
  if (placeholders.length === 0) return undefined;
  return `uses unsupported placeholders ${placeholders.join(', ')}; use {{Address}}, {{User.UserId}}, `
    + '{{Attributes.NAME}} or {{User.UserAttributes.NAME}}';
}

/** Body fields the function sets itself; Data may not override them. */
const WHATSAPP_RESERVED_FIELDS = ['messaging_product', 'recipient_type', 'to'];

/** Why `message` (a campaign's Data) cannot be sent to WhatsApp, or undefined. */
export function checkWhatsAppMessage(message: JsonObject): string | undefined {
  if (typeof message.type !== 'string' || message.type === '') return 'has no "type" (such as "template" or "text")';
  if (!Object.hasOwn(message, message.type)) return `has type "${message.type}" but no "${message.type}" object`;
  const reserved = WHATSAPP_RESERVED_FIELDS.filter((field) => Object.hasOwn(message, field));
  if (reserved.length > 0) return `sets ${reserved.join(', ')}, which the function sets per endpoint`;
  return undefined;
}

export const MESSAGING_TYPES = ['RESPONSE', 'UPDATE', 'MESSAGE_TAG'] as const;

/** Why `message` (a campaign's Data) cannot be sent to Messenger, or undefined. */
export function checkMessengerMessage(message: JsonObject): string | undefined {
  if (!isObject(message.message)) return 'has no "message" object (such as {"text": "..."})';
  const type = message.messaging_type ?? 'UPDATE';
  if (typeof type !== 'string' || !(MESSAGING_TYPES as readonly string[]).includes(type)) {
    return `has messaging_type ${JSON.stringify(type)}; use ${MESSAGING_TYPES.join(', ')}`;
  }
  if (type === 'MESSAGE_TAG' && typeof message.tag !== 'string') return 'has messaging_type MESSAGE_TAG but no "tag"';
  if (Object.hasOwn(message, 'recipient')) return 'sets recipient, which the function sets per endpoint';
  return undefined;
}

/** How deeply `value` nests, counted without recursion and no further than `limit + 1`. */
function depthOf(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    deepest = Math.max(deepest, depth);
    if (deepest > limit) return deepest;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return deepest;
}

function findForbiddenKey(value: unknown, path: string): string | undefined {
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findForbiddenKey(item, `${path}[${index}]`);
      if (found) return found;
    }
  } else if (isObject(value)) {
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) return `${path}.${key}`;
      const found = findForbiddenKey(value[key], `${path}.${key}`);
      if (found) return found;
    }
  }
  return undefined;
}

/** A copy of `value` with `map` applied to every string inside it. */
export function mapStrings(value: unknown, map: (text: string) => string): unknown {
  if (typeof value === 'string') return map(value);
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, map));
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, mapStrings(item, map)]));
  return value;
}

export function visitStrings(value: unknown, visit: (text: string) => void): void {
  mapStrings(value, (text) => {
    visit(text);
    return text;
  });
}
