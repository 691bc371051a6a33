/**
 * Validation of the event an Amazon Connect outbound campaign sends to a custom action's function,
 * as AWS documents it ("Invoke Lambda functions", Amazon Connect administrator guide):
 * `{"InvocationMetadata": {"CampaignContext": {...}}, "Items": {"CustomerProfiles": [...]}}`.
 * The same rules as Powertools' `ConnectOutboundCampaignsSchema` (every field a string), checked
 * here instead of importing its parser: with zod it adds about 450 KB to the bundle (docs/connect.md).
 */
import { isObject } from '../../contract';

export interface ConnectCampaignContext {
  readonly campaignId: string;
  readonly runId: string;
  readonly actionId: string;
  readonly campaignName: string;
}

export interface ConnectProfileItem {
  readonly profileId: string;
  /** The profile as a JSON string; parsed per profile, so that one bad profile fails alone. */
  readonly customerData: string;
  readonly idempotencyToken: string;
}

export interface ConnectEvent {
  readonly context: ConnectCampaignContext;
  /** In the order Connect sent them. */
  readonly profiles: readonly ConnectProfileItem[];
}

export type ConnectEventParseResult =
  | { readonly ok: true; readonly event: ConnectEvent }
  /** `profileIds`: the profiles that can still be answered for, so that each gets a result. */
  | { readonly ok: false; readonly problem: string; readonly context: Partial<ConnectCampaignContext>; readonly profileIds: string[] };

/** More profiles than this in one event are refused whole: the invocation could not answer for them in time. */
export const MAX_CONNECT_PROFILES = 1000;

const CONTEXT_FIELDS = { campaignId: 'CampaignId', runId: 'RunId', actionId: 'ActionId', campaignName: 'CampaignName' } as const;
const ITEM_FIELDS = { profileId: 'ProfileId', customerData: 'CustomerData', idempotencyToken: 'IdempotencyToken' } as const;

export function parseConnectEvent(raw: unknown, maxProfiles = MAX_CONNECT_PROFILES): ConnectEventParseResult {
  const metadata = isObject(raw) && isObject(raw.InvocationMetadata) ? raw.InvocationMetadata : {};
  const rawContext = isObject(metadata.CampaignContext) ? metadata.CampaignContext : {};
  const known: Partial<Record<keyof ConnectCampaignContext, string>> = {};
  for (const [field, key] of Object.entries(CONTEXT_FIELDS)) {
    if (typeof rawContext[key] === 'string') known[field as keyof ConnectCampaignContext] = rawContext[key] as string;
  }
  const items = isObject(raw) && isObject(raw.Items) ? raw.Items.CustomerProfiles : undefined;
  const profileIds = Array.isArray(items)
    ? items.map((item) => (isObject(item) && typeof item.ProfileId === 'string' && item.ProfileId !== '' ? item.ProfileId : undefined))
      .filter((id): id is string => id !== undefined)
    : [];
  const fail = (problem: string, answerable = profileIds): ConnectEventParseResult => ({ ok: false, problem, context: known, profileIds: answerable });

  if (!isObject(raw)) return fail('the event is not an object');
  if (!isObject(raw.InvocationMetadata) || !isObject(metadata.CampaignContext)) return fail('InvocationMetadata.CampaignContext is missing');
  const missing = Object.values(CONTEXT_FIELDS).find((key) => typeof rawContext[key] !== 'string');
  if (missing) return fail(`InvocationMetadata.CampaignContext.${missing} is not a string`);
  if (!Array.isArray(items)) return fail('Items.CustomerProfiles is not a list');
  if (items.length > maxProfiles) {
    return fail(`Items.CustomerProfiles has ${items.length} profiles, more than the ${maxProfiles} one invocation answers for; none was answered`, []);
  }
  const profiles: ConnectProfileItem[] = [];
  for (const [index, item] of items.entries()) {
    if (!isObject(item)) return fail(`Items.CustomerProfiles[${index}] is not an object`);
    const badField = Object.values(ITEM_FIELDS).find((key) => typeof item[key] !== 'string');
    if (badField) return fail(`Items.CustomerProfiles[${index}].${badField} is not a string`);
    if (item.ProfileId === '') return fail(`Items.CustomerProfiles[${index}].ProfileId is empty`);
    profiles.push({ profileId: item.ProfileId as string, customerData: item.CustomerData as string, idempotencyToken: item.IdempotencyToken as string });
  }
  return { ok: true, event: { context: known as ConnectCampaignContext, profiles } };
}
