/** What Pinpoint gets back: per endpoint, at most 5 event attributes; and its channel-type counts. */
import type { ChannelTypeGroup } from '../../contract';
import type { EndpointDefinition, EndpointResult } from '../../domain';

export type { ChannelTypeGroup };

/** Pinpoint's custom-channel response: endpoint id to at most 5 event attributes. */
export type CustomChannelResponse = Record<string, { EventAttributes: Record<string, string> }>;

/** Pinpoint allows at most 5 event attributes per endpoint; these are the ones a journey can branch on. */
export function toResponse(results: readonly EndpointResult[]): CustomChannelResponse {
  return Object.fromEntries(results.map((result) => {
    const attributes: Record<string, string> = { status: result.status };
    if (result.messageId) attributes.message_id = result.messageId;
    if (result.errorCode) attributes.error_code = result.errorCode;
    if (result.reason) attributes.reason = result.reason.slice(0, 100);
    attributes.attempts = String(result.attempts);
    if (result.retryable !== undefined) attributes.retryable = String(result.retryable);
    return [result.endpointId, { EventAttributes: attributes }];
  }));
}

/** Counts every endpoint in the event by channel type, even when the event is rejected. */
export function countChannelTypes(rawEvent: unknown): Record<ChannelTypeGroup, number> {
  const counts: Record<ChannelTypeGroup, number> = { CUSTOM: 0, SMS: 0, EMAIL: 0, VOICE: 0, PUSH: 0 };
  const endpoints = (rawEvent as { Endpoints?: unknown } | null)?.Endpoints;
  if (typeof endpoints !== 'object' || endpoints === null || Array.isArray(endpoints)) return counts;
  for (const value of Object.values(endpoints)) {
    const type = (value as EndpointDefinition | null)?.ChannelType;
    const group: ChannelTypeGroup = type === 'CUSTOM' || type === 'SMS' || type === 'EMAIL' || type === 'VOICE' ? type : 'PUSH';
    counts[group] += 1;
  }
  return counts;
}
