/**
 * A customer profile, as Connect hands it over in `CustomerData`: the recipient it gives each
 * channel, and the values of its placeholders, {{Profile.FIELD}} and {{Profile.Attributes.NAME}}.
 * Profiles in the Customer Profiles API name their fields in PascalCase (`PhoneNumber`); events have
 * been seen with camelCase (`phoneNumber`), so a field is looked up both ways.
 */
import { isObject, type JsonObject } from '../../contract';
import { renderTemplate, type RenderResult } from '../../core';
import type { EndpointDefinition } from '../../domain';

export type ProfileParseResult = { readonly ok: true; readonly profile: JsonObject } | { readonly ok: false; readonly problem: string };

export function parseCustomerData(customerData: string): ProfileParseResult {
  let value: unknown;
  try {
    value = JSON.parse(customerData);
  } catch {
    return { ok: false, problem: 'CustomerData is not JSON' };
  }
  return isObject(value) ? { ok: true, profile: value } : { ok: false, problem: 'CustomerData is not a JSON object' };
}

/** A field by its name, or with its first letter in lower case. */
export function profileField(record: unknown, name: string): unknown {
  if (!isObject(record)) return undefined;
  if (Object.hasOwn(record, name)) return record[name];
  const camel = name.charAt(0).toLowerCase() + name.slice(1);
  return Object.hasOwn(record, camel) ? record[camel] : undefined;
}

export interface RecipientSettings {
  readonly channel: 'whatsapp' | 'messenger';
  /** WhatsApp: the fields a number is taken from, the first that has one. */
  readonly phoneFields: readonly string[];
  /** Messenger: the profile attribute holding the page-scoped id. */
  readonly psidAttribute: string;
}

/**
 * The profile as the provider reads an endpoint: the first phone field that has a value as its
 * Address (WhatsApp), or the PSID attribute as the user attribute the provider looks in (Messenger).
 */
export function asEndpoint(profile: JsonObject, settings: RecipientSettings): EndpointDefinition {
  if (settings.channel === 'whatsapp') {
    const phone = settings.phoneFields.map((field) => text(profileField(profile, field))).find((value) => value !== undefined);
    return { ChannelType: 'CUSTOM', ...(phone ? { Address: phone } : {}) };
  }
  const psid = text(profileField(profileField(profile, 'Attributes'), settings.psidAttribute));
  return { ChannelType: 'CUSTOM', User: { UserAttributes: psid ? { [settings.psidAttribute]: [psid] } : {} } };
}

/** The message with every placeholder filled from the profile, or the first one that has no value. */
export function renderForProfile(template: JsonObject, profile: JsonObject): RenderResult {
  return renderTemplate(template, (path) => {
    if (path.startsWith('Profile.Attributes.')) return text(profileField(profileField(profile, 'Attributes'), path.slice('Profile.Attributes.'.length)));
    if (path.startsWith('Profile.')) return text(profileField(profile, path.slice('Profile.'.length)));
    return undefined;
  });
}

function text(value: unknown): string | undefined {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}
