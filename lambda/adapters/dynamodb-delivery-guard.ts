/**
 * The duplicate guard on DynamoDB, a batch at a time: one TransactWriteItems claims up to 100 keys
 * (each Put conditional on no live record), and one more records the results. Powertools' idempotency
 * utility, used before, writes each record with calls of its own (two per endpoint: 100 for a batch of
 * 50), and its persistence layer has no batch operation to build on. Its table layout is kept, so
 * records written by an earlier version of the function are read the same way: `id` is its hashed
 * key, then `status`, `expiration` (epoch seconds) and `data`.
 */
import { createHash, randomUUID } from 'node:crypto';
import {
  type AttributeValue, type CancellationReason, type DynamoDBClient, TransactionCanceledException, TransactWriteItemsCommand, type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import type { ClaimOutcome, DeliveryGuard, SettledSend } from '../domain';

/** The key prefix the function has always used, so that records written before an update are found after it. */
const KEY_PREFIX = 'custom-channel-delivery';
/** DynamoDB's limit on the actions of one transaction. */
const MAX_TRANSACTION_ITEMS = 100;
/** Transactions cancelled only because of other items, or by a conflicting write, are tried again this many times. */
const MAX_ROUNDS = 3;
/** Bound for releasing the claims of a call whose answer was lost. */
const RELEASE_TIMEOUT_MS = 1000;

/** The record id Powertools' idempotency utility gives the payload `{ key }`: base64 MD5 of its JSON. */
export function recordId(key: string): string {
  return `${KEY_PREFIX}#${createHash('md5').update(JSON.stringify({ key })).digest('base64')}`;
}

/** A live record's condition, as Powertools writes it: none, expired, or in progress past its own expiry. */
const CLAIMABLE = 'attribute_not_exists(#id) OR #expiry < :now OR (#status = :inprogress AND attribute_exists(#in_progress_expiry) AND #in_progress_expiry < :now_in_millis)';

interface Attempt { readonly keys: readonly string[]; readonly items: (key: string) => TransactWriteItem }

export class DynamoDbDeliveryGuard implements DeliveryGuard {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly expiresAfterSeconds: number,
    private readonly now: () => number = () => Date.now(),
  ) {}

  async claim(keys: readonly string[], signal: AbortSignal): Promise<ReadonlyMap<string, ClaimOutcome>> {
    const outcomes = new Map<string, ClaimOutcome>();
    // Marks this call's claims, so that it can take back its own, and only its own.
    const claimant = randomUUID();
    const unanswered: string[] = [];
    await Promise.all(chunks([...new Set(keys)]).map((chunk) => this.transact({ keys: chunk, items: (key) => this.claimItem(key, claimant) }, signal, {
      done: (key) => outcomes.set(key, { kind: 'claimed' }),
      refused: (key, reason) => outcomes.set(key, existingOutcome(reason.Item)),
      failed: (key, reason, answered) => {
        outcomes.set(key, { kind: 'unavailable', reason });
        if (!answered) unanswered.push(key);
      },
    })));
    // A call that timed out may still have been carried out: its claims would then block keys that
    // were never sent until they expire. Take back whichever of them are this call's.
    if (unanswered.length > 0) await this.release(unanswered, claimant);
    return outcomes;
  }

  private async release(keys: readonly string[], claimant: string): Promise<void> {
    const signal = AbortSignal.timeout(RELEASE_TIMEOUT_MS);
    const ignore = () => undefined;
    await Promise.all(chunks(keys).map((chunk) => this.transact({
      keys: chunk,
      items: (key) => ({
        Delete: {
          TableName: this.tableName, Key: { id: { S: recordId(key) } },
          ConditionExpression: '#claimant = :claimant', ExpressionAttributeNames: { '#claimant': 'claimant' }, ExpressionAttributeValues: { ':claimant': { S: claimant } },
        },
      }),
    }, signal, { done: ignore, refused: ignore, failed: ignore })));
  }

  async settle(sends: readonly SettledSend[], signal: AbortSignal): Promise<number> {
    const byKey = new Map(sends.map((send) => [send.key, send]));
    let failed = 0;
    await Promise.all(chunks([...byKey.keys()]).map((chunk) => this.transact({ keys: chunk, items: (key) => this.settleItem(byKey.get(key)!) }, signal, {
      done: () => undefined,
      refused: () => { failed += 1; },
      failed: () => { failed += 1; },
    })));
    return failed;
  }

  private claimItem(key: string, claimant: string): TransactWriteItem {
    const now = this.now();
    return {
      Put: {
        TableName: this.tableName,
        Item: { id: { S: recordId(key) }, expiration: { N: String(this.expiry(now)) }, status: { S: 'INPROGRESS' }, claimant: { S: claimant } },
        ConditionExpression: CLAIMABLE,
        ExpressionAttributeNames: { '#id': 'id', '#expiry': 'expiration', '#status': 'status', '#in_progress_expiry': 'in_progress_expiration' },
        ExpressionAttributeValues: { ':now': { N: String(now / 1000) }, ':now_in_millis': { N: String(now) }, ':inprogress': { S: 'INPROGRESS' } },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    };
  }

  /** Delivered, or maybe arrived: remembered until it expires. Surely not arrived: released. */
  private settleItem({ key, result }: SettledSend): TransactWriteItem {
    const id = { S: recordId(key) };
    let data: Record<string, AttributeValue> | undefined;
    if (result.status === 'delivered') data = result.messageId ? { messageId: { S: result.messageId } } : {};
    else if (result.mayHaveBeenSent) data = { uncertain: { BOOL: true } };
    if (!data) return { Delete: { TableName: this.tableName, Key: { id } } };
    return {
      Put: {
        TableName: this.tableName,
        Item: { id, expiration: { N: String(this.expiry(this.now())) }, status: { S: 'COMPLETED' }, data: { M: data } },
      },
    };
  }

  private expiry(now: number): number {
    return Math.round(now / 1000 + this.expiresAfterSeconds);
  }

  /**
   * Runs one transaction over `keys`; if it is cancelled, the items that failed their condition are
   * `refused`, and those cancelled only because of them (or by a conflicting write) go again, in a
   * transaction of their own, up to MAX_ROUNDS times.
   */
  private async transact(
    attempt: Attempt, signal: AbortSignal,
    on: {
      done: (key: string) => void;
      refused: (key: string, reason: CancellationReason) => void;
      /** `answered`: DynamoDB said the transaction was cancelled, so nothing of it was written. */
      failed: (key: string, reason: string, answered: boolean) => void;
    },
  ): Promise<void> {
    let keys = attempt.keys;
    for (let round = 1; keys.length > 0; round += 1) {
      try {
        await this.client.send(new TransactWriteItemsCommand({ TransactItems: keys.map(attempt.items) }), { abortSignal: signal });
        keys.forEach(on.done);
        return;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException) || !error.CancellationReasons) {
          const reason = (error as Error).name;
          keys.forEach((key) => on.failed(key, reason, false));
          return;
        }
        const again: string[] = [];
        error.CancellationReasons.forEach((reason, index) => {
          const key = keys[index];
          if (reason.Code === 'ConditionalCheckFailed') on.refused(key, reason);
          else if ((reason.Code === 'None' || reason.Code === 'TransactionConflict') && round < MAX_ROUNDS) again.push(key);
          else on.failed(key, reason.Code ?? 'TransactionCanceled', true);
        });
        keys = again;
      }
    }
  }
}

/** What an existing, live record says about its key. */
function existingOutcome(item: Record<string, AttributeValue> | undefined): ClaimOutcome {
  if (item?.status?.S !== 'COMPLETED') return { kind: 'in-progress' };
  const data = item.data?.M;
  if (data?.uncertain?.BOOL) return { kind: 'uncertain-earlier' };
  return { kind: 'already-delivered', messageId: data?.messageId?.S };
}

function chunks<T>(items: readonly T[]): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += MAX_TRANSACTION_ITEMS) result.push(items.slice(i, i + MAX_TRANSACTION_ITEMS));
  return result;
}
