/**
 * Per-endpoint placeholders in the campaign's message: "Hi {{User.UserAttributes.FirstName}}"
 * greets each person by name. Placeholders are replaced inside the parsed JSON's strings, never
 * in the raw text, so a value with quotes or braces cannot change the message's structure.
 */
import { isObject } from './event';
import type { EndpointDefinition, JsonObject } from './providers/provider';

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const SUPPORTED = /^(Address|User\.UserId|Attributes\.[^.\s]+|User\.UserAttributes\.[^.\s]+)$/;

/** Placeholders in the message that are not one of the supported forms. */
export function unsupportedPlaceholders(message: JsonObject): string[] {
  const unsupported = new Set<string>();
  visitStrings(message, (text) => {
    for (const [, path] of text.matchAll(PLACEHOLDER)) if (!SUPPORTED.test(path)) unsupported.add(`{{${path}}}`);
  });
  return [...unsupported];
}

export type RenderResult =
  | { readonly ok: true; readonly message: JsonObject }
  | { readonly ok: false; readonly missing: string };

/** The message with every placeholder replaced from the endpoint, or the first placeholder that has no value. */
export function renderMessage(template: JsonObject, endpoint: EndpointDefinition): RenderResult {
  let missing: string | undefined;
  const rendered = mapStrings(template, (text) => text.replace(PLACEHOLDER, (whole, path: string) => {
    const value = placeholderValue(endpoint, path);
    if (value === undefined) missing ??= path;
    return value ?? whole;
  })) as JsonObject;
  return missing === undefined ? { ok: true, message: rendered } : { ok: false, missing };
}

function placeholderValue(endpoint: EndpointDefinition, path: string): string | undefined {
  if (path === 'Address') return nonEmpty(endpoint.Address);
  if (path === 'User.UserId') return nonEmpty(endpoint.User?.UserId);
  if (path.startsWith('Attributes.')) return attributeValue(endpoint.Attributes, path.slice('Attributes.'.length));
  if (path.startsWith('User.UserAttributes.')) return attributeValue(endpoint.User?.UserAttributes, path.slice('User.UserAttributes.'.length));
  return undefined;
}

/** Pinpoint stores attributes as lists of strings; a placeholder takes the first. */
function attributeValue(attributes: unknown, name: string): string | undefined {
  if (!isObject(attributes) || !Object.hasOwn(attributes, name)) return undefined;
  const value = attributes[name];
  return nonEmpty(Array.isArray(value) ? value[0] : value);
}

function nonEmpty(value: unknown): string | undefined {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function mapStrings(value: unknown, map: (text: string) => string): unknown {
  if (typeof value === 'string') return map(value);
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, map));
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, mapStrings(item, map)]));
  return value;
}

function visitStrings(value: unknown, visit: (text: string) => void): void {
  mapStrings(value, (text) => {
    visit(text);
    return text;
  });
}
