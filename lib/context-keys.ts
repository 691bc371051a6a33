/** The context keys the app reads, and the check that refuses any other (most likely a typo). */
import { ConfigError } from './config-readers';

/** The context keys this app reads; any other key without a namespace is most likely a typo. */
export const CONTEXT_KEYS = [
  'stackNamePrefix', 'complianceChecks', 'pinpointEnabled', 'pinpointProjectId', 'tokenSecretArn', 'tokenSecretKmsKeyArn', 'channel',
  'whatsappPhoneNumberId', 'messengerPageId', 'messengerPsidAttribute', 'graphApiVersion', 'graphApiBaseUrl', 'logRetentionDays',
  'deliveryConcurrency', 'idempotency', 'deliveryMode', 'messagesPerSecond', 'workerConcurrency', 'alarmEmail', 'failedDeliveriesAlarmThreshold', 'endpointTypes', 'campaignMessage',
  'campaignPaused', 'campaignStartTime', 'campaignFrequency', 'campaignEndTime', 'invokePermissionScope',
  'whatsappApi', 'whatsappOriginationPhoneNumberId', 'trigger', 'connectInstanceArn', 'connectCampaignArn', 'connectMessages', 'connectPhoneFields', 'connectInvokePrincipal',
] as const;

/**
 * Refuses a context key that is not one of ours, naming the closest known one: `-c chanel=messenger`
 * would otherwise deploy WhatsApp. Keys with a namespace (`@aws-cdk/...`, `aws:cdk:...`, lookups
 * such as `availability-zones:...`) belong to CDK and are left alone.
 */
export function checkContextKeys(keys: readonly string[]): void {
  const known: readonly string[] = CONTEXT_KEYS;
  for (const key of keys) {
    if (/[@:/]/.test(key) || known.includes(key)) continue;
    const closest = [...known].sort((x, y) => editDistance(key, x) - editDistance(key, y))[0];
    const error = new ConfigError(key, '', key);
    error.message = `Unknown context key "${key}": did you mean "${closest}"? This app reads only the keys in cdk.json's context.`;
    throw error;
  }
}

function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= y.length; j += 1) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[y.length];
}
