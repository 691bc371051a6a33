/**
 * The Amazon Connect trigger: turns an outbound campaign's batch of customer profiles into delivery
 * jobs, runs them through the same pipeline as the Pinpoint trigger, and answers per profile. A
 * profile that cannot be read, has no recipient or lacks a placeholder value is answered alone; an
 * event that is not Connect's, or a campaign with no configured message, is rejected whole.
 */
import { type ConnectMessages, connectPlaceholderProblem, type DeliveryChannel, type DeliveryMode, messageForCampaign } from '../../contract';
import { deliver, type DeliveryDeps, type DeliverySummary, enqueue, failed, reject, skipped, toJobMessage } from '../../core';
import type { CampaignIds, DeliveryJob, EndpointResult, JsonObject } from '../../domain';
import { type ConnectEvent, type ConnectProfileItem, parseConnectEvent } from './event';
import { asEndpoint, parseCustomerData, type RecipientSettings, renderForProfile } from './profile';
import { type ConnectResponse, toConnectResponse } from './response';

export interface ConnectSettings extends RecipientSettings {
  /** Campaign id or name (or `*`) to the message it sends, checked at cold start. */
  readonly messages: ConnectMessages;
}

export interface ConnectBatchOutcome {
  readonly ids: CampaignIds;
  readonly results: EndpointResult[];
  readonly summary: DeliverySummary;
  readonly response: ConnectResponse;
  /** Set when the event itself was rejected. */
  readonly eventProblem?: string;
}

/** Delivers the batch, or in `queued` mode enqueues a job per profile; throws only when nothing was sent (no token). */
export async function deliverConnectBatch(
  rawEvent: unknown, deps: DeliveryDeps, settings: ConnectSettings, mode: DeliveryMode = 'direct',
): Promise<ConnectBatchOutcome> {
  const parsed = parseConnectEvent(rawEvent);
  const outcome = (ids: CampaignIds, { results, summary }: { results: EndpointResult[]; summary: DeliverySummary }, eventProblem?: string) =>
    ({ ids, results, summary, response: toConnectResponse(results), eventProblem });
  if (!parsed.ok) {
    const ids = campaignIdsOf(parsed.context);
    const listed = parsed.profileIds.map((endpointId) => ({ endpointId }));
    return outcome(ids, await reject(ids, listed, 'invalid_event', parsed.problem, deps), parsed.problem);
  }
  const { context, profiles } = parsed.event;
  const ids = campaignIdsOf(context);
  const listed = () => profiles.map(({ profileId }) => ({ endpointId: profileId }));
  const template = messageForCampaign(settings.messages, context.campaignId, context.campaignName);
  if (!template) {
    const problem = `no message is configured for the campaign "${context.campaignName}" (${context.campaignId}); add it to connectMessages`;
    return outcome(ids, await reject(ids, listed(), 'unknown_campaign', problem, deps), problem);
  }
  // Checked at cold start too; a message that slipped past would be sent with holes in it.
  const problem = deps.provider.checkMessage(template) ?? connectPlaceholderProblem(template);
  if (problem) return outcome(ids, await reject(ids, listed(), 'invalid_message', `the message ${problem}`, deps), problem);

  const items = prepareAll(parsed.event, template, deps, settings);
  if (mode === 'queued') {
    if (!deps.jobs) throw new Error('queued mode needs a job queue');
    const enqueuedAt = new Date(deps.clock.now()).toISOString();
    const channel = deps.provider.channel as DeliveryChannel;
    const toQueued = (job: DeliveryJob) => ({ id: job.endpointId, delaySeconds: 0, body: JSON.stringify(toJobMessage(job, ids, channel, enqueuedAt)) });
    return outcome(ids, await enqueue(ids, items, { ...deps, jobs: deps.jobs }, toQueued));
  }
  return outcome(ids, await deliver(ids, items, deps));
}

/**
 * Each profile as a job, or as its final result. A profile that comes again in the same event is
 * skipped: one batch sends each profile at most once, whatever its idempotency token.
 */
function prepareAll(event: ConnectEvent, template: JsonObject, deps: DeliveryDeps, settings: ConnectSettings): Array<DeliveryJob | EndpointResult> {
  const seen = new Set<string>();
  return event.profiles.map((item) => {
    if (seen.has(item.profileId)) return skipped(item.profileId, undefined, 'duplicate_in_batch');
    seen.add(item.profileId);
    return prepare(item, deliveryKeyOf(event, item), template, deps, settings);
  });
}

function prepare(item: ConnectProfileItem, key: string, template: JsonObject, deps: DeliveryDeps, settings: ConnectSettings): DeliveryJob | EndpointResult {
  const data = parseCustomerData(item.customerData);
  if (!data.ok) return failed(item.profileId, undefined, 'invalid_profile', data.problem, false);
  const resolution = deps.provider.resolveRecipient(asEndpoint(data.profile, settings));
  if ('skipReason' in resolution) return skipped(item.profileId, undefined, resolution.skipReason);
  const rendered = renderForProfile(template, data.profile);
  if (!rendered.ok) return failed(item.profileId, undefined, 'missing_placeholder', `no value for {{${rendered.missing}}}`, false);
  return { endpointId: item.profileId, recipient: resolution.recipient, maskedRecipient: resolution.masked, message: rendered.message, key };
}

/** One delivery per campaign run, action, profile and Connect's own idempotency token. */
function deliveryKeyOf({ context }: ConnectEvent, item: ConnectProfileItem): string {
  return ['connect', context.campaignId, context.runId, context.actionId, item.profileId, item.idempotencyToken].join('/');
}

/** Connect's ids in the shape the core reports and logs: the action stands where Pinpoint's activity does. */
function campaignIdsOf(context: Partial<{ campaignId: string; actionId: string }>): CampaignIds {
  return { campaignId: context.campaignId || undefined, activityId: context.actionId || undefined };
}
