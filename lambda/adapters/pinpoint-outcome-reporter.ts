/**
 * Reports each endpoint's outcome back to Pinpoint as a custom event, so that delivery (not just
 * invocation, which is all Pinpoint counts) shows in its analytics and event stream. One PutEvents
 * call per batch (per 100 endpoints, PutEvents' limit). A failed report is logged and counted by the
 * caller; it never fails the delivery.
 */
import { PinpointClient, PutEventsCommand, type EventsBatch } from '@aws-sdk/client-pinpoint';
import type { CampaignIds, EndpointResult, OutcomeReporter, ReportOutcome } from '../domain';

/** Event types: `custom_channel.delivered`, `.retrying`, `.queued`, `.failed`, `.skipped`. */
export const EVENT_TYPE_PREFIX = 'custom_channel.';

/** Events per PutEvents request, as Pinpoint's quotas page gives it. */
const MAX_EVENTS_PER_REQUEST = 100;

export class PinpointOutcomeReporter implements OutcomeReporter {
  constructor(private readonly client: PinpointClient, private readonly channel: string) {}

  async report(ids: CampaignIds, results: readonly EndpointResult[], timestamp: Date, signal: AbortSignal): Promise<ReportOutcome> {
    if (results.length === 0) return { reported: 0, failed: 0 };
    if (!ids.applicationId) return { reported: 0, failed: results.length, error: 'the event has no ApplicationId' };
    const chunks = Array.from({ length: Math.ceil(results.length / MAX_EVENTS_PER_REQUEST) },
      (_, i) => results.slice(i * MAX_EVENTS_PER_REQUEST, (i + 1) * MAX_EVENTS_PER_REQUEST));
    const outcomes = await Promise.all(chunks.map((chunk) => this.reportChunk(ids.applicationId!, ids, chunk, timestamp, signal)));
    return {
      reported: outcomes.reduce((sum, o) => sum + o.reported, 0),
      failed: outcomes.reduce((sum, o) => sum + o.failed, 0),
      error: outcomes.find((o) => o.error)?.error,
    };
  }

  private async reportChunk(
    applicationId: string, ids: CampaignIds, results: readonly EndpointResult[], timestamp: Date, signal: AbortSignal,
  ): Promise<ReportOutcome> {
    // Endpoint ids come from outside: entries are defined, never assigned, so "__proto__" is only a key.
    const batch: Record<string, EventsBatch> = Object.fromEntries(results.map((result) => [result.endpointId, {
      // An empty endpoint records the event against the existing endpoint without changing it.
      Endpoint: {},
      Events: {
        outcome: {
          EventType: `${EVENT_TYPE_PREFIX}${result.status}`,
          Timestamp: timestamp.toISOString(),
          Attributes: eventAttributes(ids, result, this.channel),
        },
      },
    }]));
    try {
      const response = await this.client.send(
        new PutEventsCommand({ ApplicationId: applicationId, EventsRequest: { BatchItem: batch } }),
        { abortSignal: signal },
      );
      const accepted = Object.values(response.EventsResponse?.Results ?? {})
        .filter((item) => Object.values(item.EventsItemResponse ?? {}).every((event) => (event.StatusCode ?? 500) < 300)).length;
      return { reported: accepted, failed: results.length - accepted };
    } catch (error) {
      return { reported: 0, failed: results.length, error: (error as Error).name };
    }
  }
}

/** Attributes a journey or an analytics query can use; values are capped at Pinpoint's 200 characters. */
function eventAttributes(ids: CampaignIds, result: EndpointResult, channel: string): Record<string, string> {
  const attributes: Record<string, string | undefined> = {
    channel,
    status: result.status,
    campaign_id: ids.campaignId,
    treatment_id: ids.treatmentId,
    activity_id: ids.activityId,
    journey_id: ids.journeyId,
    message_id: result.messageId,
    error_code: result.errorCode,
    reason: result.reason,
    attempts: String(result.attempts),
  };
  return Object.fromEntries(Object.entries(attributes)
    .filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '')
    .map(([key, value]) => [key, value.slice(0, 200)]));
}
