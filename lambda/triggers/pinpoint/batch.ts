/**
 * The Pinpoint trigger: turns a custom-channel event into jobs, runs them through the delivery
 * pipeline, and answers in Pinpoint's format. Endpoints Pinpoint itself would not message, or that
 * the channel cannot reach, are skipped; a missing placeholder value fails that endpoint alone.
 */
import { type DeliveryChannel, type DeliveryMode, placeholderProblem } from '../../contract';
import { deliver, type DeliveryDeps, deliveryKey, type DeliverySummary, enqueue, failed, reject, skipped, toJobMessage } from '../../core';
import type { CampaignIds, ChannelProvider, DeliveryJob, EndpointDefinition, EndpointResult, JsonObject } from '../../domain';
import { asEndpoint, isReservedEndpointId, parseEvent } from './event';
import { renderMessage } from './placeholders';
import { type ChannelTypeGroup, countChannelTypes, type CustomChannelResponse, toResponse } from './response';

export interface BatchSummary extends DeliverySummary {
  /** Endpoints per Pinpoint channel type, grouped as the AWS example groups them. */
  readonly channelTypes: Readonly<Record<ChannelTypeGroup, number>>;
}

export interface BatchOutcome {
  readonly ids: CampaignIds;
  readonly results: EndpointResult[];
  readonly summary: BatchSummary;
  readonly response: CustomChannelResponse;
  /** Set when the event itself was rejected. */
  readonly eventProblem?: string;
}

/**
 * Delivers the batch (`direct`), or enqueues a job per endpoint on `deps.jobs` and answers `queued`
 * (`queued`: the worker sends). Throws only when nothing was sent (the token cannot be read); every
 * other problem, including a malformed event, is reported per endpoint.
 */
export async function deliverBatch(rawEvent: unknown, deps: DeliveryDeps, mode: DeliveryMode = 'direct'): Promise<BatchOutcome> {
  const parsed = parseEvent(rawEvent, deps.settings?.maxEndpoints);
  const channelTypes = countChannelTypes(rawEvent);
  const outcome = (ids: CampaignIds, { results, summary }: { results: EndpointResult[]; summary: DeliverySummary }, eventProblem?: string): BatchOutcome =>
    ({ ids, results, summary: { ...summary, channelTypes }, response: toResponse(results), eventProblem });

  if (!parsed.ok) {
    const endpoints = parsed.endpointIds.map((endpointId) => ({ endpointId }));
    return outcome(parsed.ids, await reject(parsed.ids, endpoints, 'invalid_event', parsed.problem, deps, { channelTypes }), parsed.problem);
  }
  const { ids, message, endpoints } = parsed.event;
  const listed = () => endpoints.map(([endpointId, value]) => ({ endpointId, channelType: asEndpoint(value)?.ChannelType }));

  const messageProblem = deps.provider.checkMessage(message) ?? placeholderProblem(message);
  if (messageProblem) {
    const problem = `Data ${messageProblem}`;
    return outcome(ids, await reject(ids, listed(), 'invalid_data', problem, deps, { channelTypes }), problem);
  }
  const items = endpoints.map(([endpointId, value]) => prepare(endpointId, value, message, deps.provider, ids));
  if (mode === 'queued') {
    if (!deps.jobs) throw new Error('queued mode needs a job queue');
    const enqueuedAt = new Date(deps.clock.now()).toISOString();
    const channel = deps.provider.channel as DeliveryChannel;
    const toQueued = (job: DeliveryJob) => ({ id: job.endpointId, delaySeconds: 0, body: JSON.stringify(toJobMessage(job, ids, channel, enqueuedAt)) });
    return outcome(ids, await enqueue(ids, items, { ...deps, jobs: deps.jobs }, toQueued, { channelTypes }));
  }
  return outcome(ids, await deliver(ids, items, deps, { channelTypes }));
}

/** Checks one endpoint and builds its message; returns its final result if it will not be sent. */
function prepare(endpointId: string, value: unknown, template: JsonObject, provider: ChannelProvider, ids: CampaignIds): DeliveryJob | EndpointResult {
  if (isReservedEndpointId(endpointId)) return failed(endpointId, undefined, 'invalid_endpoint', `the endpoint id "${endpointId}" is reserved`, false);
  const endpoint = asEndpoint(value);
  if (!endpoint) return failed(endpointId, undefined, 'invalid_endpoint', 'the endpoint definition is not an object', false);
  const channelType = typeof endpoint.ChannelType === 'string' ? endpoint.ChannelType : undefined;
  const skipReason = skipReasonOf(endpoint);
  if (skipReason) return skipped(endpointId, channelType, skipReason);
  const resolution = provider.resolveRecipient(endpoint);
  if ('skipReason' in resolution) return skipped(endpointId, channelType, resolution.skipReason);
  const rendered = renderMessage(template, endpoint);
  if (!rendered.ok) {
    return failed(endpointId, channelType, 'missing_placeholder', `no value for {{${rendered.missing}}}`, false);
  }
  return {
    endpointId, channelType, recipient: resolution.recipient, maskedRecipient: resolution.masked, message: rendered.message,
    key: deliveryKey(ids, endpointId),
  };
}

/** Endpoints Pinpoint itself would not message. */
function skipReasonOf(endpoint: EndpointDefinition): string | undefined {
  if (endpoint.OptOut !== undefined && endpoint.OptOut !== 'NONE') return 'opted_out';
  if (endpoint.EndpointStatus === 'INACTIVE') return 'inactive';
  return undefined;
}
