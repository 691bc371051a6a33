/**
 * The adapters both entry points (the function Pinpoint invokes, and the job-queue worker) build at
 * cold start from their settings: the provider, its token, the reporter and the duplicate guard.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PinpointClient } from '@aws-sdk/client-pinpoint';
import type { DeliverySettingsConfig } from '../config';
import type { ChannelProvider, TokenSource } from '../domain';
import { createProvider } from '../providers';
import { DynamoDbDeliveryGuard } from './dynamodb-delivery-guard';
import { PinpointOutcomeReporter } from './pinpoint-outcome-reporter';
import { SecretsManagerTokenSource } from './secrets-manager-token-source';

export interface DeliveryAdapters {
  readonly provider: ChannelProvider;
  readonly tokens: TokenSource;
  readonly reporter?: PinpointOutcomeReporter;
  readonly guard?: DynamoDbDeliveryGuard;
}

export function deliveryAdapters(config: DeliverySettingsConfig): DeliveryAdapters {
  const provider = createProvider(config.provider);
  return {
    provider,
    tokens: config.tokenSecretArn ? new SecretsManagerTokenSource(config.tokenSecretArn, config.tokenCacheSeconds) : NO_TOKEN,
    reporter: config.reportToPinpoint ? new PinpointOutcomeReporter(new PinpointClient({}), provider.channel) : undefined,
    guard: config.idempotencyTableName
      ? new DynamoDbDeliveryGuard(new DynamoDBClient({}), config.idempotencyTableName, config.idempotencyTtlSeconds)
      : undefined,
  };
}

/** For a provider authorised by the function's role (End User Messaging Social): there is no token to read. */
const NO_TOKEN: TokenSource = { get: async () => '', refresh: async () => '' };
