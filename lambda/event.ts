/**
 * Validation of the event Pinpoint sends to a custom-channel function. Everything is checked
 * before anything is sent, so that a bad event is reported whole instead of failing half-way.
 */
import type { EndpointDefinition, JsonObject } from './providers/provider';

/** Pinpoint sends at most 50 endpoints per invocation. */
export const MAX_ENDPOINTS = 50;

/** Pinpoint's limit on a campaign's CustomMessage.Data. */
export const MAX_DATA_BYTES = 5 * 1024;

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export interface CampaignIds {
  readonly applicationId?: string;
  readonly campaignId?: string;
  readonly treatmentId?: string;
  readonly activityId?: string;
  readonly journeyId?: string;
}

export interface CustomChannelEvent {
  readonly ids: CampaignIds;
  /** The campaign's Data, parsed. */
  readonly message: JsonObject;
  /** In the order Pinpoint sent them. */
  readonly endpoints: ReadonlyArray<readonly [endpointId: string, endpoint: unknown]>;
}

export type EventParseResult =
  | { readonly ok: true; readonly event: CustomChannelEvent }
  /** `endpointIds` lists what can still be answered for, so that every endpoint gets a result. */
  | { readonly ok: false; readonly problem: string; readonly ids: CampaignIds; readonly endpointIds: string[] };

export function parseEvent(raw: unknown, maxEndpoints = MAX_ENDPOINTS): EventParseResult {
  const record = isObject(raw) ? raw : {};
  const ids = campaignIds(record);
  const fail = (problem: string, endpointIds: string[] = []): EventParseResult => ({ ok: false, problem, ids, endpointIds });

  if (!isObject(raw)) return fail('the event is not an object');
  const endpoints = record.Endpoints;
  if (!isObject(endpoints)) return fail(endpoints === undefined ? 'Endpoints is missing' : 'Endpoints is not an object');
  const endpointIds = Object.keys(endpoints);
  const answerable = endpointIds.filter((id) => !FORBIDDEN_KEYS.has(id));
  const forbidden = endpointIds.find((id) => FORBIDDEN_KEYS.has(id));
  if (forbidden) return fail(`Endpoints has the forbidden key "${forbidden}"`, answerable);
  if (endpointIds.length > maxEndpoints) {
    return fail(`Endpoints has ${endpointIds.length} entries, more than the ${maxEndpoints} Pinpoint sends at once`, endpointIds);
  }

  const data = record.Data;
  if (typeof data !== 'string' || data.trim() === '') return fail('Data is missing: the campaign has no CustomMessage.Data', endpointIds);
  const bytes = Buffer.byteLength(data, 'utf8');
  if (bytes > MAX_DATA_BYTES) return fail(`Data is ${bytes} bytes, over the ${MAX_DATA_BYTES}-byte limit`, endpointIds);
  let message: unknown;
  try {
    message = JSON.parse(data);
  } catch {
    return fail('Data is not valid JSON', endpointIds);
  }
  if (!isObject(message)) return fail('Data is not a JSON object', endpointIds);
  const forbiddenPath = findForbiddenKey(message, 'Data');
  if (forbiddenPath) return fail(`${forbiddenPath} is a forbidden key`, endpointIds);

  return { ok: true, event: { ids, message, endpoints: endpointIds.map((id) => [id, endpoints[id]] as const) } };
}

/** The endpoint definition, or why it cannot be one. */
export function asEndpoint(value: unknown): EndpointDefinition | undefined {
  return isObject(value) ? value as EndpointDefinition : undefined;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The campaign's ids from an event (or anything shaped like one); absent ones are undefined. */
export function campaignIds(record: JsonObject): CampaignIds {
  const text = (key: string) => (typeof record[key] === 'string' && record[key] !== '' ? record[key] as string : undefined);
  return {
    applicationId: text('ApplicationId'),
    campaignId: text('CampaignId'),
    treatmentId: text('TreatmentId') ?? (typeof record.TreatmentId === 'number' ? String(record.TreatmentId) : undefined),
    activityId: text('ActivityId'),
    journeyId: text('JourneyId'),
  };
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
