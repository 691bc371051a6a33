/**
 * The metrics-only channel of AWS's custom-channel example: it sends nothing, and counts each batch's
 * endpoints per channel type into CloudWatch, per campaign and application and in total. Unlike the
 * example, which calls PutMetricData, it writes one EMF log line, so a batch costs no API call and no
 * latency, and the function needs no CloudWatch permission.
 */
import { CHANNEL_TYPE_METRIC, type ChannelTypeGroup, EXECUTION_NAMESPACE, isObject, METRIC } from './contract';
import { campaignIds } from './triggers/pinpoint/event';
import { countChannelTypes, type CustomChannelResponse } from './triggers/pinpoint/response';

export { EXECUTION_NAMESPACE };

export interface CountOutcome {
  readonly response: CustomChannelResponse;
  /** The EMF log line to print; undefined when the event has no endpoints to count. */
  readonly emf?: string;
  readonly problem?: string;
}

export function countEndpoints(event: unknown, now: number): CountOutcome {
  if (!isObject(event) || !isObject(event.Endpoints)) {
    return { response: {}, problem: isObject(event) ? 'Endpoints is missing or not an object' : 'the event is not an object' };
  }
  const endpoints = event.Endpoints;
  const counts = countChannelTypes(event);
  const ids = campaignIds(event);
  const total = Object.keys(endpoints).length;

  const dimensionSets: string[][] = [[]];
  const dimensions: Record<string, string> = {};
  if (ids.campaignId && ids.applicationId) {
    dimensionSets.push(['CampaignId', 'ApplicationId']);
    Object.assign(dimensions, { CampaignId: ids.campaignId, ApplicationId: ids.applicationId });
  }
  const values: Record<string, number> = { [METRIC.endpointCount]: total };
  for (const [group, name] of Object.entries(CHANNEL_TYPE_METRIC)) values[name] = counts[group as ChannelTypeGroup];
  const emf = JSON.stringify({
    _aws: {
      Timestamp: now,
      CloudWatchMetrics: [{
        Namespace: EXECUTION_NAMESPACE,
        Dimensions: dimensionSets,
        Metrics: Object.keys(values).map((name) => ({ Name: name, Unit: 'Count' })),
      }],
    },
    ...dimensions,
    ...values,
  });

  const response: CustomChannelResponse = Object.fromEntries(Object.entries(endpoints).map(([id, value]) => {
    const channelType = isObject(value) && typeof value.ChannelType === 'string' ? value.ChannelType : 'UNKNOWN';
    return [id, { EventAttributes: { status: 'counted', channel_type: channelType.slice(0, 100) } }];
  }));
  return { response, emf };
}
