/**
 * The app's configuration, parsed from CDK context and validated before any
 * construct is created, so that a typo fails `cdk synth` with a message that
 * names the key instead of surfacing later as a broken deploy.
 *
 * This module never reads context itself: `bin/` hands it a lookup function.
 */
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  type Channel, channelMessageProblem, CHANNELS, DEFAULT_CHANNEL, DEFAULT_GRAPH_API_BASE_URL, DEFAULT_GRAPH_API_VERSION, DEFAULT_MESSENGER_PAGE_ID,
  DEFAULT_PSID_ATTRIBUTE, DEFAULT_STACK_NAME_PREFIX, graphBaseUrlProblem, MAX_ENDPOINTS, parseMessageData, SETTING_RULES, STACK_NAME_PREFIX_PATTERN,
} from '../lambda/contract';
import {
  CAMPAIGN_FREQUENCIES, type CampaignFrequency, ENDPOINT_TYPES, type EndpointType, INVOKE_PERMISSION_SCOPES, type InvokePermissionScope, isEndpointType,
} from './constructs/custom-channel-campaign';

export { CAMPAIGN_FREQUENCIES, ENDPOINT_TYPES, INVOKE_PERMISSION_SCOPES, isEndpointType };
export type { CampaignFrequency, EndpointType, InvokePermissionScope };

export interface TokenSecretConfig {
  /** Complete ARN of an existing secret; undefined to create one. */
  readonly existingSecretArn?: string;
  /** ARN of the customer managed KMS key that encrypts the secret; undefined for the AWS managed key. */
  readonly kmsKeyArn?: string;
}

export interface DeliveryTuningConfig {
  /** Requests the function keeps in flight at once (1-50). 50, Pinpoint's batch size, sends a batch in one round trip. */
  readonly concurrency: number;
  /** Remember delivered endpoints so that a repeated batch messages no one twice. */
  readonly idempotency: boolean;
}

export interface AlarmsConfig {
  /** Email told when an alarm goes off; undefined for no notifications. */
  readonly email?: string;
  /** Failed deliveries in 5 minutes that raise the alarm. */
  readonly failedDeliveriesThreshold: number;
}

export interface GraphApiConfig {
  readonly graphApiVersion: string;
  readonly graphApiBaseUrl: string;
}

/** What the deployment's function does: deliver to WhatsApp or Messenger, or only count endpoints. */
export type ChannelConfig =
  | ({ readonly kind: 'whatsapp'; /** Undefined until set; the function then refuses to send, naming it. */ readonly phoneNumberId?: string } & GraphApiConfig)
  | ({ readonly kind: 'messenger'; readonly pageId: string; readonly psidAttribute: string } & GraphApiConfig)
  | { readonly kind: 'metrics' };

/** The sample campaign's Data when campaignMessage is not set: one that works on each channel as it is. */
export const SAMPLE_MESSAGES: Readonly<Record<Channel, object>> = {
  whatsapp: { type: 'template', template: { name: 'hello_world', language: { code: 'en_US' } } },
  messenger: { messaging_type: 'UPDATE', message: { text: 'Hello from our Pinpoint campaign.' } },
  metrics: { note: 'The metrics channel sends nothing; it counts the endpoints of each batch.' },
};

export interface CampaignScheduleConfig {
  readonly startTime: string;
  readonly frequency: CampaignFrequency;
  readonly endTime?: string;
}

export interface PinpointConfig {
  /** Id of an existing Pinpoint project; undefined to create one. */
  readonly existingProjectId?: string;
  readonly endpointTypes: EndpointType[];
  /** The campaign's `CustomMessage.Data`, as the JSON string Pinpoint passes to the function. */
  readonly messageData: string;
  readonly paused: boolean;
  readonly schedule: CampaignScheduleConfig;
  readonly invokePermissionScope: InvokePermissionScope;
}

export interface AppConfig {
  readonly stackNamePrefix: string;
  /** Run cdk-nag during `cdk synth` too. The tests always run it; it adds about 1.5 s to a synth. */
  readonly complianceChecks: boolean;
  readonly tokenSecret: TokenSecretConfig;
  readonly channel: ChannelConfig;
  readonly logRetention: RetentionDays;
  readonly delivery: DeliveryTuningConfig;
  readonly alarms: AlarmsConfig;
  /** Undefined when `pinpointEnabled` is false: only the delivery stack is synthesized. */
  readonly pinpoint?: PinpointConfig;
}

/** A configuration value is missing or malformed. The message names the context key. */
export class ConfigError extends Error {
  constructor(readonly key: string, expected: string, actual: unknown) {
    super(`Invalid context value for "${key}": expected ${expected}, got ${describe(actual)}. `
      + `Set it in cdk.json or with -c ${key}=...`);
    this.name = 'ConfigError';
  }
}

export type ContextLookup = (key: string) => unknown;

const SECRET_ARN = /^arn:aws(-cn|-us-gov|-iso|-iso-b)?:secretsmanager:[a-z]{2}(-[a-z]+)+-\d:\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$/;
const KMS_KEY_ARN = /^arn:aws(-cn|-us-gov|-iso|-iso-b)?:kms:[a-z]{2}(-[a-z]+)+-\d:\d{12}:key\/[A-Za-z0-9-]+$/;
const PINPOINT_PROJECT_ID = /^[0-9a-f]{32}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const ISO_8601_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const IMMEDIATE_OR_ISO_8601_TIME = new RegExp(`^IMMEDIATE$|${ISO_8601_TIME.source}`);

export function parseConfig(lookup: ContextLookup): AppConfig {
  const pinpointEnabled = readBoolean(lookup, 'pinpointEnabled', true);
  const channel = parseChannelConfig(lookup);
  return {
    stackNamePrefix: readString(lookup, 'stackNamePrefix', DEFAULT_STACK_NAME_PREFIX, STACK_NAME_PREFIX_PATTERN,
      'a CloudFormation stack name prefix (a letter, then letters, digits or hyphens)'),
    complianceChecks: readBoolean(lookup, 'complianceChecks', false),
    tokenSecret: {
      existingSecretArn: readOptionalString(lookup, 'tokenSecretArn', SECRET_ARN,
        'the complete ARN of a Secrets Manager secret (arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters>)'),
      kmsKeyArn: readOptionalString(lookup, 'tokenSecretKmsKeyArn', KMS_KEY_ARN,
        'the ARN of a KMS key (arn:aws:kms:<region>:<account>:key/<key id>)'),
    },
    channel,
    logRetention: readLogRetention(lookup, 'logRetentionDays', RetentionDays.ONE_MONTH),
    delivery: {
      concurrency: readInteger(lookup, 'deliveryConcurrency', MAX_ENDPOINTS, 1, MAX_ENDPOINTS),
      idempotency: readBoolean(lookup, 'idempotency', true),
    },
    alarms: {
      email: readOptionalString(lookup, 'alarmEmail', EMAIL, 'an email address such as ops@example.com'),
      failedDeliveriesThreshold: readInteger(lookup, 'failedDeliveriesAlarmThreshold', 5, 1, 100000),
    },
    pinpoint: pinpointEnabled ? parsePinpointConfig(lookup, channel.kind) : undefined,
  };
}

function parseChannelConfig(lookup: ContextLookup): ChannelConfig {
  const kind = readEnum(lookup, 'channel', CHANNELS, DEFAULT_CHANNEL);
  if (kind === 'metrics') return { kind };
  const graph: GraphApiConfig = {
    graphApiVersion: readRule(lookup, 'graphApiVersion', DEFAULT_GRAPH_API_VERSION, SETTING_RULES.graphApiVersion),
    graphApiBaseUrl: readHttpsUrl(lookup, 'graphApiBaseUrl', DEFAULT_GRAPH_API_BASE_URL),
  };
  if (kind === 'messenger') {
    return {
      kind,
      ...graph,
      pageId: readRule(lookup, 'messengerPageId', DEFAULT_MESSENGER_PAGE_ID, SETTING_RULES.messengerPageId),
      psidAttribute: readRule(lookup, 'messengerPsidAttribute', DEFAULT_PSID_ATTRIBUTE, SETTING_RULES.messengerPsidAttribute),
    };
  }
  return {
    kind,
    ...graph,
    phoneNumberId: readOptionalString(lookup, 'whatsappPhoneNumberId', SETTING_RULES.whatsappPhoneNumberId.pattern,
      SETTING_RULES.whatsappPhoneNumberId.expected),
  };
}

function parsePinpointConfig(lookup: ContextLookup, channel: Channel): PinpointConfig {
  const frequency = readEnum(lookup, 'campaignFrequency', CAMPAIGN_FREQUENCIES, 'ONCE');
  const startTime = readString(lookup, 'campaignStartTime', 'IMMEDIATE', IMMEDIATE_OR_ISO_8601_TIME,
    'IMMEDIATE or an ISO 8601 time with a zone, such as 2027-01-31T09:00:00Z');
  if (startTime !== 'IMMEDIATE' && Number.isNaN(Date.parse(startTime))) {
    throw new ConfigError('campaignStartTime', 'a valid ISO 8601 time', startTime);
  }
  const endTime = readOptionalString(lookup, 'campaignEndTime', ISO_8601_TIME,
    'an ISO 8601 time with a zone, such as 2027-02-28T09:00:00Z');
  if (endTime !== undefined && Number.isNaN(Date.parse(endTime))) {
    throw new ConfigError('campaignEndTime', 'a valid ISO 8601 time with a zone', endTime);
  }
  if (frequency !== 'ONCE' && endTime === undefined) {
    throw new ConfigError('campaignEndTime', `an end time, because campaignFrequency is ${frequency}`, undefined);
  }
  if (frequency !== 'ONCE' && startTime === 'IMMEDIATE') {
    throw new ConfigError('campaignStartTime', `an ISO 8601 time, because campaignFrequency is ${frequency}`, startTime);
  }
  if (endTime !== undefined && startTime !== 'IMMEDIATE' && Date.parse(endTime) <= Date.parse(startTime)) {
    throw new ConfigError('campaignEndTime', `a time after campaignStartTime (${startTime})`, endTime);
  }
  return {
    existingProjectId: readOptionalString(lookup, 'pinpointProjectId', PINPOINT_PROJECT_ID,
      'the 32-character hexadecimal id of an existing Pinpoint project'),
    endpointTypes: readEndpointTypes(lookup, 'endpointTypes'),
    messageData: readMessageData(lookup, 'campaignMessage', channel),
    paused: readBoolean(lookup, 'campaignPaused', true),
    schedule: { startTime, frequency, endTime },
    invokePermissionScope: readEnum(lookup, 'invokePermissionScope', INVOKE_PERMISSION_SCOPES, 'project'),
  };
}

/** Values given with `-c key=value` arrive as strings; values from cdk.json keep their JSON type. */
function isUnset(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

function readOptionalString(lookup: ContextLookup, key: string, pattern: RegExp, expected: string): string | undefined {
  const value = lookup(key);
  if (isUnset(value)) return undefined;
  if (typeof value !== 'string' || !pattern.test(value)) throw new ConfigError(key, expected, value);
  return value;
}

function readString(lookup: ContextLookup, key: string, fallback: string, pattern: RegExp, expected: string): string {
  return readOptionalString(lookup, key, pattern, expected) ?? fallback;
}

function readRule(lookup: ContextLookup, key: string, fallback: string, rule: { pattern: RegExp; expected: string }): string {
  return readString(lookup, key, fallback, rule.pattern, rule.expected);
}

function readHttpsUrl(lookup: ContextLookup, key: string, fallback: string): string {
  const value = lookup(key);
  if (isUnset(value)) return fallback;
  const expected = 'an https:// URL without a path, query or trailing slash';
  if (typeof value !== 'string' || graphBaseUrlProblem(value)) throw new ConfigError(key, expected, value);
  return value;
}

function readBoolean(lookup: ContextLookup, key: string, fallback: boolean): boolean {
  const value = lookup(key);
  if (isUnset(value)) return fallback;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new ConfigError(key, 'true or false', value);
}

function readEnum<T extends string>(lookup: ContextLookup, key: string, allowed: readonly T[], fallback: T): T {
  const value = lookup(key);
  if (isUnset(value)) return fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(key, `one of ${allowed.join(', ')}`, value);
  }
  return value as T;
}

function readEndpointTypes(lookup: ContextLookup, key: string): EndpointType[] {
  const value = lookup(key);
  if (isUnset(value)) return ['CUSTOM'];
  const expected = `a non-empty list of endpoint types (a JSON array or comma-separated), each one of ${ENDPOINT_TYPES.join(', ')}`;
  let list: unknown = value;
  if (typeof value === 'string') {
    list = value.trim().startsWith('[') ? parseJsonOr(value, () => { throw new ConfigError(key, expected, value); })
      : value.split(',').map((item) => item.trim());
  }
  if (!Array.isArray(list) || list.length === 0) throw new ConfigError(key, expected, value);
  for (const item of list) {
    if (!isEndpointType(item)) throw new ConfigError(key, expected, item);
  }
  return [...new Set(list as EndpointType[])];
}

/**
 * The message the delivery function sends, as Pinpoint will hand it over in `Data`, checked with the
 * function's own checks. cdk.json holds it as an object for readability; `-c` passes it as a JSON string.
 */
function readMessageData(lookup: ContextLookup, key: string, channel: Channel): string {
  const value = lookup(key);
  if (isUnset(value)) return JSON.stringify(SAMPLE_MESSAGES[channel]);
  const expected = `a JSON object holding the ${channel} message the function sends (see the README)`;
  const data = parseMessageData(typeof value === 'string' ? value : JSON.stringify(value));
  if (!data.ok) throw new ConfigError(key, `${expected}; ${data.problem}`, value);
  const problem = channel === 'metrics' ? undefined : channelMessageProblem(channel, data.message);
  if (problem) throw new ConfigError(key, `${expected}; it ${problem}`, value);
  return JSON.stringify(data.message);
}

function readInteger(lookup: ContextLookup, key: string, fallback: number, min: number, max: number): number {
  const value = lookup(key);
  if (isUnset(value)) return fallback;
  const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) {
    throw new ConfigError(key, `a whole number from ${min} to ${max}`, value);
  }
  return number;
}

function readLogRetention(lookup: ContextLookup, key: string, fallback: RetentionDays): RetentionDays {
  const value = lookup(key);
  if (isUnset(value)) return fallback;
  const days = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  const allowed = Object.values(RetentionDays).filter((v): v is number => typeof v === 'number' && v !== RetentionDays.INFINITE);
  if (typeof days !== 'number' || !allowed.includes(days)) {
    throw new ConfigError(key, `a CloudWatch Logs retention in days, one of ${allowed.join(', ')}`, value);
  }
  return days as RetentionDays;
}

function parseJsonOr(text: string, onError: () => never): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return onError();
  }
}

function describe(value: unknown): string {
  if (value === undefined || value === '') return 'nothing';
  const text = typeof value === 'string' ? `"${value}"` : JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
