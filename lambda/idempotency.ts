/**
 * Per-endpoint idempotency: if Pinpoint invokes the same batch twice, or the redrive meets an
 * endpoint a later invocation already delivered, the endpoint is not messaged again. Built on
 * Powertools' idempotency utility with a DynamoDB table. Deliveries are remembered, and so are
 * attempts that may have arrived (no answer came); a failure that surely did not arrive is
 * forgotten, so that it can be tried again.
 */
import { IdempotencyAlreadyInProgressError, IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import type { EndpointResult } from './core';
import type { CampaignIds } from './event';

export type GuardedOutcome =
  /** This call sent (or tried to send) the message. */
  | { readonly kind: 'sent'; readonly result: EndpointResult }
  /** An earlier invocation delivered it; nothing was sent now. */
  | { readonly kind: 'already-delivered'; readonly messageId?: string }
  /** An earlier invocation's request went unanswered, so it may have arrived; nothing was sent now. */
  | { readonly kind: 'uncertain-earlier' }
  /** Another invocation is delivering it right now; nothing was sent now. */
  | { readonly kind: 'in-progress' }
  /** The record could not be checked; nothing was sent, so that nothing is sent twice. */
  | { readonly kind: 'unavailable'; readonly reason: string };

export interface DeliveryGuard {
  run(key: string, send: () => Promise<EndpointResult>): Promise<GuardedOutcome>;
}

/**
 * The key of one endpoint's delivery in one campaign run: the same endpoint in another campaign, A/B
 * treatment or activity is a different message. Undefined when the event names no campaign or journey.
 */
export function deliveryKey(ids: CampaignIds, endpointId: string): string | undefined {
  const source = ids.campaignId ? `campaign/${ids.campaignId}` : ids.journeyId ? `journey/${ids.journeyId}` : undefined;
  if (!source) return undefined;
  return [ids.applicationId ?? '-', source, ids.treatmentId ?? '-', ids.activityId ?? '-', endpointId].join('/');
}

/** How long a delivery is remembered: longer than the parking queue's 14 days, so a redrive is covered. */
export const DEFAULT_IDEMPOTENCY_TTL_SECONDS = 15 * 24 * 3600;

/** Shared by the function and the redrive, so both find the same records. */
const KEY_PREFIX = 'custom-channel-delivery';

/** Thrown inside the idempotent section so that Powertools deletes the record of a send that surely did not arrive. */
class NotDelivered extends Error {
  constructor(readonly result: EndpointResult) {
    super('not delivered');
  }
}

export class PowertoolsDeliveryGuard implements DeliveryGuard {
  private readonly config: IdempotencyConfig;
  private readonly guarded: (payload: { key: string }, send: () => Promise<EndpointResult>) => Promise<{ messageId?: string; uncertain?: boolean }>;

  constructor(tableName: string, expiresAfterSeconds: number, client?: DynamoDBClient) {
    this.config = new IdempotencyConfig({ expiresAfterSeconds });
    const persistenceStore = new DynamoDBPersistenceLayer({ tableName, ...(client ? { awsSdkV3Client: client } : {}) });
    this.guarded = makeIdempotent(async (_payload: { key: string }, send: () => Promise<EndpointResult>) => {
      const result = await send();
      if (result.status === 'delivered') return { messageId: result.messageId };
      // Remembered too: a repeated batch must not send what may already have arrived.
      if (result.mayHaveBeenSent) return { uncertain: true };
      throw new NotDelivered(result);
    }, { persistenceStore, config: this.config, keyPrefix: KEY_PREFIX });
  }

  /** A record left "in progress" by a timed-out invocation expires with that invocation. */
  registerLambdaContext(context: Context): void {
    this.config.registerLambdaContext(context);
  }

  /**
   * Outside Lambda (the redrive): records left "in progress" by a crashed run expire at `deadline`
   * instead of blocking those endpoints for the whole retention.
   */
  registerDeadline(deadline: number): void {
    this.config.registerLambdaContext({ getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) } as Context);
  }

  async run(key: string, send: () => Promise<EndpointResult>): Promise<GuardedOutcome> {
    let sent: EndpointResult | undefined;
    try {
      const stored = await this.guarded({ key }, async () => {
        sent = await send();
        return sent;
      });
      if (sent) return { kind: 'sent', result: sent };
      return stored?.uncertain ? { kind: 'uncertain-earlier' } : { kind: 'already-delivered', messageId: stored?.messageId };
    } catch (error) {
      if (error instanceof NotDelivered) return { kind: 'sent', result: error.result };
      if (error instanceof IdempotencyAlreadyInProgressError) return { kind: 'in-progress' };
      // Sent, but the record could not be completed: report what happened to the message.
      if (sent) return { kind: 'sent', result: sent };
      const cause = (error as { cause?: { name?: string } }).cause?.name;
      return { kind: 'unavailable', reason: cause ?? (error as Error).name };
    }
  }
}
