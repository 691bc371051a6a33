/**
 * Validation of the event Pinpoint sends to a custom-channel function. Everything is checked
 * before anything is sent, so that a bad event is reported whole instead of failing half-way.
 */
import { FORBIDDEN_KEYS, isObject, type JsonObject, MAX_ENDPOINTS, parseMessageData } from '../../contract';
import type { CampaignIds, EndpointDefinition } from '../../domain';

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
  if (endpointIds.length > maxEndpoints) {
    // Not from Pinpoint, which never sends more: one bounded answer, none per endpoint and no report.
    return fail(`Endpoints has ${endpointIds.length} entries, more than the ${maxEndpoints} Pinpoint sends at once; none was answered`);
  }
  const data = parseMessageData(record.Data);
  if (!data.ok) return fail(data.problem, endpointIds);
  return { ok: true, event: { ids, message: data.message, endpoints: endpointIds.map((id) => [id, endpoints[id]] as const) } };
}

/** An endpoint id that could reach an object's prototype: that endpoint alone is refused. */
export function isReservedEndpointId(endpointId: string): boolean {
  return FORBIDDEN_KEYS.has(endpointId);
}

/** The endpoint definition, or undefined if it is not an object. */
export function asEndpoint(value: unknown): EndpointDefinition | undefined {
  return isObject(value) ? value as EndpointDefinition : undefined;
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
