/**
 * A stand-in for one DynamoDB table on 127.0.0.1, speaking the JSON 1.0 protocol the SDK uses, for
 * the calls Powertools' idempotency layer makes: PutItem (with its "key absent, or expired, or
 * in-progress and expired" condition), GetItem, UpdateItem (SET only) and DeleteItem. Not a general
 * DynamoDB: it evaluates that one condition, which is all the layer sends. Reached through
 * AWS_ENDPOINT_URL_DYNAMODB.
 */
import { AwsJsonError, AwsJsonServer } from './aws-json-server';

type AttributeValue = { S?: string; N?: string; [type: string]: unknown };
type Item = Record<string, AttributeValue>;

export class DynamoDbServer {
  readonly items = new Map<string, Item>();
  readonly operations: string[] = [];
  /** When set, every request fails with this error type (e.g. a throttled or unreachable table). */
  failWith?: string;
  /** Operations that fail with InternalServerError (e.g. the UpdateItem that completes a record). */
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
        if (server.failOperations.has(operation)) throw new AwsJsonError('com.amazonaws.dynamodb.v20120810#InternalServerError', 'injected failure');
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

  private handle(operation: string, input: any): unknown {
    const key = JSON.stringify(input.Key ?? { id: input.Item?.id });
    switch (operation) {
      case 'PutItem': {
        const existing = this.items.get(key);
        if (existing) {
          const values = input.ExpressionAttributeValues ?? {};
          const expired = Number(existing.expiration?.N ?? 0) < Number(values[':now']?.N ?? 0);
          const inProgressExpired = existing.status?.S === 'INPROGRESS' && existing.in_progress_expiration !== undefined
            && Number(existing.in_progress_expiration.N) < Number(values[':now_in_millis']?.N ?? 0);
          if (!expired && !inProgressExpired) {
            throw new AwsJsonError('com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException', 'The conditional request failed', { Item: existing });
          }
        }
        this.items.set(key, input.Item);
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
