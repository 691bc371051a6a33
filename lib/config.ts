/**
 * The app's configuration, parsed from CDK context and validated before any
 * construct is created, so that a typo fails `cdk synth` with a message that
 * names the key instead of surfacing later as a broken deploy.
 *
 * This module never reads context itself: `bin/` hands it a lookup function.
 */
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  ConfigError, type ContextLookup, isUnset, parseJsonOr, readBoolean, readEnum, readHttpsUrl, readInteger, readLogRetention, readOptionalString,
  readRule, readString, readTime,
} from './config-readers';
import {
  type Channel, channelMessageProblem, CHANNELS, DEFAULT_CHANNEL, DEFAULT_GRAPH_API_BASE_URL, DEFAULT_GRAPH_API_VERSION, DEFAULT_MESSENGER_PAGE_ID,
  DEFAULT_MESSAGES_PER_SECOND, DEFAULT_PSID_ATTRIBUTE, DEFAULT_STACK_NAME_PREFIX, DEFAULT_WORKER_CONCURRENCY, DELIVERY_MODES, type DeliveryMode,
  MAX_ENDPOINTS, MAX_MESSAGES_PER_SECOND, parseMessageData, SETTING_RULES, STACK_NAME_PREFIX_PATTERN, type Trigger, TRIGGERS, type WhatsAppApi, WHATSAPP_APIS,
} from '../lambda/contract';
import { type ConnectConfig, parseConnectConfig } from './config-connect';
import {
  CAMPAIGN_FREQUENCIES, type CampaignFrequency, ENDPOINT_TYPES, type EndpointType, INVOKE_PERMISSION_SCOPES, type InvokePermissionScope, isEndpointType,
} from './constructs/custom-channel-campaign';

export { CAMPAIGN_FREQUENCIES, ENDPOINT_TYPES, INVOKE_PERMISSION_SCOPES, isEndpointType };
export type { CampaignFrequency, EndpointType, InvokePermissionScope };
export { ConfigError, type ContextLookup };
export type { ConnectConfig };
export { checkContextKeys, CONTEXT_KEYS } from './context-keys';

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
  /** `direct`: Pinpoint's invocation sends. `queued`: it enqueues a job per endpoint for the worker. */
  readonly mode: DeliveryMode;
  /** The rate the phone number (or Page) receives, across all workers (1-1,000). */
  readonly messagesPerSecond: number;
  /** Workers receiving from the job queue at once (2-1,000). */
  readonly workerConcurrency: number;
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
  | ({
    readonly kind: 'whatsapp';
    /** Graph: undefined until set; the function then refuses to send, naming it. */
    readonly phoneNumberId?: string;
    /**
     * `graph`: Meta's Cloud API with the token secret. `aws`: End User Messaging Social, authorised by IAM, with no secret.
     *
     * @default 'graph'
     */
    readonly api?: WhatsAppApi;
    /** `aws`: the linked number's End User Messaging Social id (`phone-number-id-…`). */
    readonly originationPhoneNumberId?: string;
  } & GraphApiConfig)
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
  /** What invokes the function: a Pinpoint campaign, or an Amazon Connect outbound campaign. */
  readonly trigger: Trigger;
  /** Undefined when `pinpointEnabled` is false, or the trigger is Connect: no Pinpoint stack is synthesized. */
  readonly pinpoint?: PinpointConfig;
  /** The Connect instance and messages; set when `trigger` is `connect`. */
  readonly connect?: ConnectConfig;
}

const SECRET_ARN = /^arn:aws(-cn|-us-gov|-iso|-iso-b)?:secretsmanager:[a-z]{2}(-[a-z]+)+-\d:\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$/;
const KMS_KEY_ARN = /^arn:aws(-cn|-us-gov|-iso|-iso-b)?:kms:[a-z]{2}(-[a-z]+)+-\d:\d{12}:key\/[A-Za-z0-9-]+$/;
const PINPOINT_PROJECT_ID = /^[0-9a-f]{32}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * The app's configuration from the context `lookup` reads. `now` is the time start and end times
 * must be after.
 */
export function parseConfig(lookup: ContextLookup, now = Date.now()): AppConfig {
  const pinpointEnabled = readBoolean(lookup, 'pinpointEnabled', true);
  const channel = parseChannelConfig(lookup);
  const trigger = readEnum(lookup, 'trigger', TRIGGERS, 'pinpoint');
  const ignored = ['connectInstanceArn', 'connectCampaignArn', 'connectMessages', 'connectPhoneFields'].find((key) => !isUnset(lookup(key)));
  if (trigger !== 'connect' && ignored) {
    throw new ConfigError(ignored, 'nothing unless trigger is connect (set "trigger": "connect" to answer Amazon Connect outbound campaigns)', lookup(ignored));
  }
  if (trigger === 'connect' && channel.kind === 'metrics') {
    throw new ConfigError('trigger', 'pinpoint, because the metrics channel counts Pinpoint endpoints only', trigger);
  }
  const config: AppConfig = {
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
      mode: readEnum(lookup, 'deliveryMode', DELIVERY_MODES, 'direct'),
      messagesPerSecond: readInteger(lookup, 'messagesPerSecond', DEFAULT_MESSAGES_PER_SECOND, 1, MAX_MESSAGES_PER_SECOND),
      workerConcurrency: readInteger(lookup, 'workerConcurrency', DEFAULT_WORKER_CONCURRENCY, 2, 1000),
    },
    alarms: {
      email: readOptionalString(lookup, 'alarmEmail', EMAIL, 'an email address such as ops@example.com'),
      failedDeliveriesThreshold: readInteger(lookup, 'failedDeliveriesAlarmThreshold', 5, 1, 100000),
    },
    trigger,
    pinpoint: pinpointEnabled && trigger === 'pinpoint' ? parsePinpointConfig(lookup, channel.kind, now) : undefined,
    connect: trigger === 'connect' && channel.kind !== 'metrics' ? parseConnectConfig(lookup, channel.kind, SAMPLE_MESSAGES[channel.kind]) : undefined,
  };
  checkCanSend(config);
  return config;
}

/**
 * A campaign that is not paused will invoke the function: it must be able to send. Settings given
 * with -c last one deploy only, so this is what catches a redeploy that forgot one.
 */
function checkCanSend(config: AppConfig): void {
  if (config.pinpoint && !config.pinpoint.paused && config.channel.kind === 'whatsapp' && config.channel.api !== 'aws' && !config.channel.phoneNumberId) {
    throw new ConfigError('whatsappPhoneNumberId', 'the WhatsApp phone number id, because campaignPaused is false and the function '
      + 'could not send without it (keep it in cdk.json so that every deploy has it)', undefined);
  }
}

function parseChannelConfig(lookup: ContextLookup): ChannelConfig {
  const kind = readEnum(lookup, 'channel', CHANNELS, DEFAULT_CHANNEL);
  // Settings that only one choice reads would otherwise be ignored without a word.
  if (kind !== 'whatsapp' && lookup('whatsappApi') === 'aws') {
    throw new ConfigError('whatsappApi', `graph or nothing, because channel is ${kind}: End User Messaging Social sends WhatsApp only`, 'aws');
  }
  if (lookup('whatsappApi') !== 'aws' && !isUnset(lookup('whatsappOriginationPhoneNumberId'))) {
    throw new ConfigError('whatsappOriginationPhoneNumberId', 'nothing unless whatsappApi is aws (set "whatsappApi": "aws" to send through End User Messaging Social)',
      lookup('whatsappOriginationPhoneNumberId'));
  }
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
  const api = readEnum(lookup, 'whatsappApi', WHATSAPP_APIS, 'graph');
  if (api === 'aws') return { kind, ...graph, api, originationPhoneNumberId: readOriginationPhoneNumberId(lookup) };
  return {
    kind,
    ...graph,
    api,
    phoneNumberId: readOptionalString(lookup, 'whatsappPhoneNumberId', SETTING_RULES.whatsappPhoneNumberId.pattern,
      SETTING_RULES.whatsappPhoneNumberId.expected),
  };
}

/** End User Messaging Social sends from one linked number, named by its id: nothing can be sent without it. */
function readOriginationPhoneNumberId(lookup: ContextLookup): string {
  const { pattern, expected } = SETTING_RULES.whatsappOriginationPhoneNumberId;
  const id = readOptionalString(lookup, 'whatsappOriginationPhoneNumberId', pattern, expected);
  if (!id) throw new ConfigError('whatsappOriginationPhoneNumberId', `${expected}, because whatsappApi is aws`, undefined);
  for (const key of ['tokenSecretArn', 'tokenSecretKmsKeyArn']) {
    if (!isUnset(lookup(key))) throw new ConfigError(key, 'nothing, because whatsappApi is aws: End User Messaging Social is authorised by IAM and reads no token', lookup(key));
  }
  return id;
}

function parsePinpointConfig(lookup: ContextLookup, channel: Channel, now: number): PinpointConfig {
  const frequency = readEnum(lookup, 'campaignFrequency', CAMPAIGN_FREQUENCIES, 'ONCE');
  // Pinpoint cannot schedule a campaign in the past, so synth says so instead of the deploy.
  const startTime = readTime(lookup, 'campaignStartTime', { immediate: true, notBefore: now }) ?? 'IMMEDIATE';
  const endTime = readTime(lookup, 'campaignEndTime', { notBefore: now });
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

