/**
 * A stand-in for one DynamoDB table on 127.0.0.1, speaking the JSON 1.0 protocol the SDK uses, for
 * the calls the duplicate guard makes: TransactWriteItems of Puts (with or without the guard's "key
 * absent, or expired, or in-progress and expired" condition) and Deletes, all or nothing, cancelled
 * with a reason per item; and the single-item calls Powertools' idempotency layer made (PutItem with
 * that condition, GetItem, UpdateItem with SET only, DeleteItem). Not a general DynamoDB: it
 * evaluates that one condition, which is all either sends. Reached through AWS_ENDPOINT_URL_DYNAMODB.
 */
import { AwsJsonError, AwsJsonServer } from './aws-json-server';

type AttributeValue = { S?: string; N?: string; [type: string]: unknown };
type Item = Record<string, AttributeValue>;

export class DynamoDbServer {
  readonly items = new Map<string, Item>();
  readonly operations: string[] = [];
  /** When set, every request fails with this error type (e.g. a throttled or unreachable table). */
  failWith?: string;
  /**
   * Operations that fail with InternalServerError. Besides the API's names, `RecordResults` fails the
   * transactions that record results (those without conditions), and lets the claims through.
   */
  readonly failOperations = new Set<string>();
  private http!: AwsJsonServer;

  static async start(options: { latencyMs?: number } = {}): Promise<DynamoDbServer> {
    const server = new DynamoDbServer();
    server.http = await AwsJsonServer.start({
      contentType: 'application/x-amz-json-1.0',
      latencyMs: options.latencyMs,
      handle: (operation, input) => {
        server.operations.push(operation);
        if (server.failWith) throw new AwsJsonError(`com.amazonaws.dynamodb.v20120810#${server.failWith}`, 'injected failure');
        const recordsResults = operation === 'TransactWriteItems' && !(input as { TransactItems: { Put?: { ConditionExpression?: string } }[] }).TransactItems
          .some((item) => item.Put?.ConditionExpression);
        if (server.failOperations.has(operation) || (recordsResults && server.failOperations.has('RecordResults'))) {
          throw new AwsJsonError('com.amazonaws.dynamodb.v20120810#InternalServerError', 'injected failure');
        }
        return server.handle(operation, input);
      },
    });
    return server;
  }

  get endpoint(): string {
    return this.http.endpoint;
  }

  /** Items by status, e.g. { COMPLETED: 3 }. */
  statuses(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const item of this.items.values()) counts[item.status?.S ?? '?'] = (counts[item.status?.S ?? '?'] ?? 0) + 1;
    return counts;
  }

  stop(): Promise<void> {
    return this.http.stop();
  }

  /** The live record a conditional Put must not overwrite, if there is one. */
  private blocking(put: any): Item | undefined {
    const existing = this.items.get(JSON.stringify({ id: put.Item.id }));
    if (!existing) return undefined;
    const values = put.ExpressionAttributeValues ?? {};
    const expired = Number(existing.expiration?.N ?? 0) < Number(values[':now']?.N ?? 0);
    const inProgressExpired = existing.status?.S === 'INPROGRESS' && existing.in_progress_expiration !== undefined
      && Number(existing.in_progress_expiration.N) < Number(values[':now_in_millis']?.N ?? 0);
    return expired || inProgressExpired ? undefined : existing;
  }

  private handle(operation: string, input: any): unknown {
    const key = JSON.stringify(input.Key ?? { id: input.Item?.id });
    switch (operation) {
      case 'PutItem': {
        const existing = this.blocking(input);
        if (existing) {
          throw new AwsJsonError('com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException', 'The conditional request failed', { Item: existing });
        }
        this.items.set(key, input.Item);
        return {};
      }
      case 'TransactWriteItems': {
        const actions = input.TransactItems as { Put?: any; Delete?: any }[];
        const reasons = actions.map((action) => {
          const existing = action.Put?.ConditionExpression ? this.blocking(action.Put) : undefined;
          if (existing) return { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed', Item: existing };
          // A conditional Delete: only the claimant named may take its claim back.
          const claimant = action.Delete?.ExpressionAttributeValues?.[':claimant']?.S;
          if (claimant !== undefined && this.items.get(JSON.stringify(action.Delete.Key))?.claimant?.S !== claimant) {
            return { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' };
          }
          return { Code: 'None' };
        });
        if (reasons.some((reason) => reason.Code !== 'None')) {
          throw new AwsJsonError('com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
            `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`, { CancellationReasons: reasons });
        }
        for (const action of actions) {
          if (action.Put) this.items.set(JSON.stringify({ id: action.Put.Item.id }), action.Put.Item);
          else if (action.Delete) this.items.delete(JSON.stringify(action.Delete.Key));
        }
        return {};
      }
      case 'GetItem':
        return this.items.has(key) ? { Item: this.items.get(key) } : {};
      case 'UpdateItem': {
        const item: Item = { ...(this.items.get(key) ?? input.Key) };
        const assignments = String(input.UpdateExpression).replace(/^SET\s+/, '').split(/\s*,\s*/);
        for (const assignment of assignments) {
          const [name, value] = assignment.split(/\s*=\s*/);
          item[input.ExpressionAttributeNames[name]] = input.ExpressionAttributeValues[value];
        }
        this.items.set(key, item);
        return {};
      }
      case 'DeleteItem':
        this.items.delete(key);
        return {};
      default:
        throw new Error(`unsupported operation ${operation}`);
    }
  }
}
