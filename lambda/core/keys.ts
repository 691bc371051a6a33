import type { CampaignIds } from '../domain';

/**
 * The key of one endpoint's delivery in one campaign run: the same endpoint in another campaign, A/B
 * treatment or activity is a different message. Undefined when the ids name no campaign or journey.
 * The function and the redrive derive it the same way, so both find the same records.
 */
export function deliveryKey(ids: CampaignIds, endpointId: string): string | undefined {
  const source = ids.campaignId ? `campaign/${ids.campaignId}` : ids.journeyId ? `journey/${ids.journeyId}` : undefined;
  if (!source) return undefined;
  return [ids.applicationId ?? '-', source, ids.treatmentId ?? '-', ids.activityId ?? '-', endpointId].join('/');
}
