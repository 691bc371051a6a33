/**
 * The function's settings, read from its environment once per container. Problems are collected
 * and reported together, naming each variable.
 */
import { DEFAULT_SETTINGS } from './core';
import { MAX_ENDPOINTS } from './event';
import { DEFAULT_IDEMPOTENCY_TTL_SECONDS } from './idempotency';
import { DEFAULT_PSID_ATTRIBUTE } from './providers/messenger';
import type { ProviderConfig } from './providers';

import { type Channel, CHANNELS } from './channels';

/** What the function does, from CHANNEL: count endpoints, or deliver them through a provider. */
export type FunctionConfig = { readonly channel: 'metrics' } | DeliveryConfig;

export interface DeliveryConfig {
  readonly channel: Exclude<Channel, 'metrics'>;
  readonly provider: ProviderConfig;
  readonly tokenSecretArn: string;
  /** Where failed deliveries are parked for a later retry. */
  readonly parkingQueueUrl: string;
  readonly tokenCacheSeconds: number;
  readonly concurrency: number;
  readonly requestTimeoutMs: number;
  readonly maxAttempts: number;
  /** Report each endpoint's outcome to Pinpoint with PutEvents. Off when no Pinpoint project is configured. */
  readonly reportToPinpoint: boolean;
  /** The DynamoDB table remembering delivered endpoints; undefined turns the duplicate check off. */
  readonly idempotencyTableName?: string;
  readonly idempotencyTtlSeconds: number;
}

/** The function is not configured to send. Nothing was sent. */
export class ConfigurationError extends Error {
  constructor(readonly problems: string[]) {
    super(`The delivery function is not configured: ${problems.join('; ')}`);
    this.name = 'ConfigurationError';
  }
}

export function loadFunctionConfig(env: NodeJS.ProcessEnv): FunctionConfig {
  const problems: string[] = [];
  const required = (name: string, pattern: RegExp, expected: string): string => {
    const value = env[name]?.trim();
    if (!value) problems.push(`${name} is not set (${expected})`);
    else if (!pattern.test(value)) problems.push(`${name} must be ${expected}`);
    return value ?? '';
  };
  const optional = (name: string, fallback: string, pattern: RegExp, expected: string): string =>
    (env[name]?.trim() ? required(name, pattern, expected) : fallback);
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const text = optional(name, String(fallback), /^\d+$/, `a whole number from ${min} to ${max}`);
    const value = Number(text);
    if (/^\d+$/.test(text) && (value < min || value > max)) problems.push(`${name} must be a whole number from ${min} to ${max}`);
    return value;
  };

  const channel = optional('CHANNEL', 'whatsapp', new RegExp(`^(${CHANNELS.join('|')})$`), `one of ${CHANNELS.join(', ')}`) as Channel;
  if (channel === 'metrics') {
    if (problems.length > 0) throw new ConfigurationError(problems);
    return { channel };
  }
  const graph = {
    apiVersion: optional('GRAPH_API_VERSION', 'v25.0', /^v\d+\.\d+$/, 'a Graph API version such as v25.0'),
    baseUrl: optional('GRAPH_API_BASE_URL', 'https://graph.facebook.com', /^https?:\/\/[^/?#]+$/, 'an http(s) URL without a path or trailing slash'),
  };
  const provider: ProviderConfig = channel === 'whatsapp'
    ? {
      channel,
      ...graph,
      phoneNumberId: required('WHATSAPP_PHONE_NUMBER_ID', /^\d+$/, 'the numeric WhatsApp Business phone number id; deploy with -c whatsappPhoneNumberId=...'),
    }
    : {
      channel,
      ...graph,
      pageId: optional('MESSENGER_PAGE_ID', 'me', /^(me|\d+)$/, '"me" or the numeric id of the Facebook Page'),
      psidAttribute: optional('MESSENGER_PSID_ATTRIBUTE', DEFAULT_PSID_ATTRIBUTE, /^[\w.:-]{1,50}$/, 'the name of the user attribute holding the PSID'),
    };

  const config: DeliveryConfig = {
    channel,
    provider,
    tokenSecretArn: required('TOKEN_SECRET_ARN', /^arn:[\w-]+:secretsmanager:/, 'the ARN of the secret holding {"accessToken":"..."}'),
    tokenCacheSeconds: integer('TOKEN_CACHE_SECONDS', 300, 1, 3600),
    parkingQueueUrl: required('PARKING_QUEUE_URL', /^https?:\/\/\S+$/, 'the URL of the SQS queue that keeps failed deliveries'),
    concurrency: integer('MAX_CONCURRENCY', DEFAULT_SETTINGS.concurrency, 1, MAX_ENDPOINTS),
    requestTimeoutMs: integer('REQUEST_TIMEOUT_MS', DEFAULT_SETTINGS.requestTimeoutMs, 100, 14000),
    maxAttempts: integer('MAX_ATTEMPTS', DEFAULT_SETTINGS.retry.maxAttempts, 1, 10),
    reportToPinpoint: optional('REPORT_TO_PINPOINT', 'false', /^(true|false)$/, 'true or false') === 'true',
    idempotencyTableName: optional('IDEMPOTENCY_TABLE_NAME', '', /^[\w.-]{3,255}$/, 'a DynamoDB table name') || undefined,
    idempotencyTtlSeconds: integer('IDEMPOTENCY_TTL_SECONDS', DEFAULT_IDEMPOTENCY_TTL_SECONDS, 60, 365 * 24 * 3600),
  };
  if (problems.length > 0) throw new ConfigurationError(problems);
  return config;
}
