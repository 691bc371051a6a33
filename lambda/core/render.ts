/**
 * Per-recipient placeholders in a message: "Hi {{User.UserAttributes.FirstName}}" greets each person
 * by name. Placeholders are replaced inside the parsed JSON's strings, never in the raw text, so a
 * value with quotes or braces cannot change the message's structure. Which paths exist is the
 * trigger's business: it passes the lookup.
 */
import { type JsonObject, mapStrings, PLACEHOLDER } from '../contract';

export type RenderResult =
  | { readonly ok: true; readonly message: JsonObject }
  | { readonly ok: false; readonly missing: string };

/** The message with every placeholder replaced through `valueOf`, or the first placeholder that has no value. */
export function renderTemplate(template: JsonObject, valueOf: (path: string) => string | undefined): RenderResult {
  let missing: string | undefined;
  const rendered = mapStrings(template, (text) => text.replace(PLACEHOLDER, (whole, path: string) => {
    const value = valueOf(path);
    if (value === undefined) missing ??= path;
    return value ?? whole;
  })) as JsonObject;
  return missing === undefined ? { ok: true, message: rendered } : { ok: false, missing };
}
