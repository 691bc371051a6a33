/**
 * The function's settings, read from its environment once per container. Problems are collected
 * and reported together, naming each variable. The redrive reads the provider settings through the
 * same functions, from its flags.
 */
import {
  type Channel, CHANNELS, DEFAULT_CHANNEL, DEFAULT_GRAPH_API_BASE_URL, DEFAULT_MESSAGES_PER_SECOND, DEFAULT_WORKER_CONCURRENCY,
  DEFAULT_MAX_RECEIVES, DELIVERY_MODES, type DeliveryMode, MAX_MESSAGES_PER_SECOND, DEFAULT_GRAPH_API_VERSION, DEFAULT_IDEMPOTENCY_TTL_SECONDS,
  DEFAULT_MESSENGER_PAGE_ID, DEFAULT_PSID_ATTRIBUTE, type DeliveryChannel, ENV, graphBaseUrlProblem, MAX_ENDPOINTS, SETTING_RULES,
  DEFAULT_CONNECT_PHONE_FIELDS, parseConnectMessages, PROFILE_FIELD, type Trigger, TRIGGERS, type WhatsAppApi,
} from './contract';
import { DEFAULT_SETTINGS } from './core';
import { needsToken, type ProviderConfig } from './providers';
import type { ConnectSettings } from './triggers/connect/batch';

/** What the function does, from CHANNEL: count endpoints, or deliver them through a provider. */
export type FunctionConfig = { readonly channel: 'metrics' } | DeliveryConfig;

export interface DeliveryConfig extends DeliverySettingsConfig {
  readonly deliveryMode: DeliveryMode;
  /** What invokes the function: a Pinpoint campaign, or an Amazon Connect outbound campaign. */
  readonly trigger: Trigger;
  /** The Connect trigger's messages and recipient fields; set when `trigger` is `connect`. */
  readonly connect?: ConnectSettings;
  /** Where queued mode puts every endpoint's job, and direct mode its transient failures. */
  readonly jobQueueUrl: string;
  /** Where direct mode puts its permanent and uncertain failures; queued mode sends nothing itself. */
  readonly deadLetterQueueUrl?: string;
  readonly concurrency: number;
  readonly maxAttempts: number;
}

/** The function is not configured to send. Nothing was sent. */
export class ConfigurationError extends Error {
  constructor(readonly problems: string[]) {
    super(`The delivery function is not configured: ${problems.join('; ')}`);
    this.name = 'ConfigurationError';
  }
}

/** Reads variables by name, collecting what is wrong instead of stopping at the first problem. */
export class EnvReader {
  readonly problems: string[] = [];
  constructor(private readonly env: Readonly<Record<string, string | undefined>>) {}

  required(name: string, pattern: RegExp, expected: string, hint = ''): string {
    const value = this.env[name]?.trim();
    if (!value) this.problems.push(`${name} is not set (${expected}${hint})`);
    else if (!pattern.test(value)) this.problems.push(`${name} must be ${expected}`);
    return value ?? '';
  }

  optional(name: string, fallback: string, pattern: RegExp, expected: string): string {
    return this.env[name]?.trim() ? this.required(name, pattern, expected) : fallback;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const text = this.optional(name, String(fallback), /^\d+$/, `a whole number from ${min} to ${max}`);
    const value = Number(text);
    if (/^\d+$/.test(text) && (value < min || value > max)) this.problems.push(`${name} must be a whole number from ${min} to ${max}`);
    return value;
  }

  /** The provider settings of `channel`. */
  provider(channel: DeliveryChannel): ProviderConfig {
    const rules = SETTING_RULES;
    const baseUrl = this.env[ENV.graphApiBaseUrl]?.trim() || DEFAULT_GRAPH_API_BASE_URL;
    // http is allowed here for local stand-ins; synth only ever writes an https URL.
    const urlProblem = graphBaseUrlProblem(baseUrl, true);
    if (urlProblem) this.problems.push(`${ENV.graphApiBaseUrl} ${urlProblem}`);
    const graph = {
      apiVersion: this.optional(ENV.graphApiVersion, DEFAULT_GRAPH_API_VERSION, rules.graphApiVersion.pattern, rules.graphApiVersion.expected),
      baseUrl,
    };
    if (channel === 'whatsapp') {
      const api = this.optional(ENV.whatsappApi, 'graph', /^(graph|aws)$/, 'graph or aws') as WhatsAppApi;
      if (api === 'aws') {
        const { pattern, expected } = rules.whatsappOriginationPhoneNumberId;
        return {
          channel, api, metaApiVersion: graph.apiVersion,
          originationPhoneNumberId: this.required(ENV.whatsappOriginationPhoneNumberId, pattern, expected, '; deploy with -c whatsappOriginationPhoneNumberId=...'),
        };
      }
      const { pattern, expected } = rules.whatsappPhoneNumberId;
      return { channel, ...graph, phoneNumberId: this.required(ENV.whatsappPhoneNumberId, pattern, expected, '; deploy with -c whatsappPhoneNumberId=...') };
    }
    return {
      channel,
      ...graph,
      pageId: this.optional(ENV.messengerPageId, DEFAULT_MESSENGER_PAGE_ID, rules.messengerPageId.pattern, rules.messengerPageId.expected),
      psidAttribute: this.optional(ENV.messengerPsidAttribute, DEFAULT_PSID_ATTRIBUTE, rules.messengerPsidAttribute.pattern, rules.messengerPsidAttribute.expected),
    };
  }
}

export function loadFunctionConfig(env: NodeJS.ProcessEnv): FunctionConfig {
  const read = new EnvReader(env);
  const channel = read.optional(ENV.channel, DEFAULT_CHANNEL, new RegExp(`^(${CHANNELS.join('|')})$`), `one of ${CHANNELS.join(', ')}`) as Channel;
  if (channel === 'metrics') {
    if (read.problems.length > 0) throw new ConfigurationError(read.problems);
    return { channel };
  }
  const deliveryMode = read.optional(ENV.deliveryMode, 'direct', new RegExp(`^(${DELIVERY_MODES.join('|')})$`), `one of ${DELIVERY_MODES.join(', ')}`) as DeliveryMode;
  const trigger = read.optional(ENV.trigger, 'pinpoint', new RegExp(`^(${TRIGGERS.join('|')})$`), `one of ${TRIGGERS.join(', ')}`) as Trigger;
  const settings = readDeliverySettings(read, channel);
  const config: DeliveryConfig = {
    ...settings,
    deliveryMode,
    trigger,
    connect: trigger === 'connect' ? readConnectSettings(read, settings.provider) : undefined,
    jobQueueUrl: read.required(ENV.jobQueueUrl, QUEUE_URL, 'the URL of the job queue'),
    deadLetterQueueUrl: deliveryMode === 'direct'
      ? read.required(ENV.deadLetterQueueUrl, QUEUE_URL, 'the URL of the job queue\'s dead-letter queue')
      : undefined,
    concurrency: read.integer(ENV.maxConcurrency, DEFAULT_SETTINGS.concurrency, 1, MAX_ENDPOINTS),
    maxAttempts: read.integer(ENV.maxAttempts, DEFAULT_SETTINGS.retry.maxAttempts, 1, 10),
  };
  if (read.problems.length > 0) throw new ConfigurationError(read.problems);
  return config;
}

export interface WorkerConfig extends DeliverySettingsConfig {
  readonly jobQueueUrl: string;
  readonly deadLetterQueueUrl: string;
  /** This worker's share of the rate: MESSAGES_PER_SECOND divided by WORKER_CONCURRENCY. */
  readonly ratePerSecond: number;
  readonly maxReceives: number;
}

/** The worker's settings, read from its environment once per container. */
export function loadWorkerConfig(env: NodeJS.ProcessEnv): WorkerConfig {
  const read = new EnvReader(env);
  const channel = read.optional(ENV.channel, DEFAULT_CHANNEL, /^(whatsapp|messenger)$/, 'whatsapp or messenger (the metrics channel has no worker)') as DeliveryChannel;
  const messagesPerSecond = read.integer(ENV.messagesPerSecond, DEFAULT_MESSAGES_PER_SECOND, 1, MAX_MESSAGES_PER_SECOND);
  const workers = read.integer(ENV.workerConcurrency, DEFAULT_WORKER_CONCURRENCY, 1, 1000);
  const config: WorkerConfig = {
    ...readDeliverySettings(read, channel),
    jobQueueUrl: read.required(ENV.jobQueueUrl, QUEUE_URL, 'the URL of the job queue'),
    deadLetterQueueUrl: read.required(ENV.deadLetterQueueUrl, QUEUE_URL, 'the URL of the job queue\'s dead-letter queue'),
    ratePerSecond: messagesPerSecond / Math.max(1, workers),
    maxReceives: read.integer(ENV.maxReceives, DEFAULT_MAX_RECEIVES, 1, 100),
  };
  if (read.problems.length > 0) throw new ConfigurationError(read.problems);
  return config;
}

const QUEUE_URL = /^https?:\/\/\S+$/;

/** The Connect trigger's settings: every message checked as at synth, so that a hand-edited variable is refused at cold start. */
function readConnectSettings(read: EnvReader, provider: ProviderConfig): ConnectSettings {
  const raw = read.required(ENV.connectMessages, /\S/, 'a JSON object of campaign id or name to message');
  const messages = raw ? parseConnectMessages(raw, provider.channel) : undefined;
  if (messages && !messages.ok) read.problems.push(`${ENV.connectMessages} ${messages.problem}`);
  const fields = read.optional(ENV.connectPhoneFields, DEFAULT_CONNECT_PHONE_FIELDS.join(','), /^\S+$/, 'comma-separated profile field names').split(',');
  if (fields.some((field) => !PROFILE_FIELD.test(field))) read.problems.push(`${ENV.connectPhoneFields} must be comma-separated profile field names, such as PhoneNumber,MobilePhoneNumber`);
  return {
    channel: provider.channel,
    messages: messages?.ok ? messages.messages : {},
    phoneFields: fields,
    psidAttribute: provider.channel === 'messenger' ? provider.psidAttribute : DEFAULT_PSID_ATTRIBUTE,
  };
}

/** What the function and the worker both read: the provider, the token, reporting and the duplicate check. */
export interface DeliverySettingsConfig {
  readonly channel: DeliveryChannel;
  readonly provider: ProviderConfig;
  /** Undefined when the provider needs no token (End User Messaging Social). */
  readonly tokenSecretArn?: string;
  readonly tokenCacheSeconds: number;
  readonly requestTimeoutMs: number;
  /** Report each endpoint's outcome to Pinpoint with PutEvents. Off when no Pinpoint project is configured. */
  readonly reportToPinpoint: boolean;
  /** The DynamoDB table remembering delivered endpoints; undefined turns the duplicate check off. */
  readonly idempotencyTableName?: string;
  readonly idempotencyTtlSeconds: number;
}

function readDeliverySettings(read: EnvReader, channel: DeliveryChannel): DeliverySettingsConfig {
  const provider = read.provider(channel);
  return {
    channel,
    provider,
    // End User Messaging Social is authorised by the role: there is no token to read.
    tokenSecretArn: needsToken(provider) ? read.required(ENV.tokenSecretArn, SETTING_RULES.tokenSecretArn.pattern, SETTING_RULES.tokenSecretArn.expected) : undefined,
    tokenCacheSeconds: read.integer(ENV.tokenCacheSeconds, 300, 1, 3600),
    requestTimeoutMs: read.integer(ENV.requestTimeoutMs, DEFAULT_SETTINGS.requestTimeoutMs, 100, 14000),
    reportToPinpoint: read.optional(ENV.reportToPinpoint, 'false', /^(true|false)$/, 'true or false') === 'true',
    idempotencyTableName: read.optional(ENV.idempotencyTableName, '', SETTING_RULES.idempotencyTableName.pattern, SETTING_RULES.idempotencyTableName.expected) || undefined,
    idempotencyTtlSeconds: read.integer(ENV.idempotencyTtlSeconds, DEFAULT_IDEMPOTENCY_TTL_SECONDS, 60, 365 * 24 * 3600),
  };
}
