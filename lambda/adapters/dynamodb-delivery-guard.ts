/**
 * The duplicate guard on DynamoDB, built on Powertools' idempotency utility: if Pinpoint invokes the
 * same batch twice, or the redrive meets an endpoint a later invocation already delivered, the
 * endpoint is not messaged again. Deliveries are remembered, and so are attempts that may have
 * arrived (no answer came); a failure that surely did not arrive is forgotten, so that it can be
 * tried again.
 */
import { IdempotencyAlreadyInProgressError, IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DeliveryGuard, EndpointResult, GuardedOutcome } from '../domain';

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

  // No Lambda context is registered, on purpose. With one, Powertools lets a record left "in progress"
  // expire with its invocation, and a later attempt sends again. But a record stays in progress
  // exactly when the send may have happened: the invocation died during it, or the send succeeded and
  // the completion could not be written. Either is an uncertain attempt, and is remembered as one:
  // until the record's own expiry, a repeat finds it in progress and does not send.

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
