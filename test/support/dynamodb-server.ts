/**
 * A stand-in for one DynamoDB table on 127.0.0.1, speaking the JSON 1.0 protocol the SDK uses, for
 * the calls Powertools' idempotency layer makes: PutItem (with its "key absent, or expired, or
 * in-progress and expired" condition), GetItem, UpdateItem (SET only) and DeleteItem. Not a general
 * DynamoDB: it evaluates that one condition, which is all the layer sends. Reached through
 * AWS_ENDPOINT_URL_DYNAMODB.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

type AttributeValue = { S?: string; N?: string; [type: string]: unknown };
type Item = Record<string, AttributeValue>;

export class DynamoDbServer {
  readonly items = new Map<string, Item>();
  readonly operations: string[] = [];
  /** When set, every request fails with this error type (e.g. a throttled or unreachable table). */
  failWith?: string;
  private readonly server: http.Server;

  private constructor(private readonly latencyMs: number) {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const operation = String(req.headers['x-amz-target'] ?? '').replace('DynamoDB_20120810.', '');
        this.operations.push(operation);
        const input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
        const reply = (status: number, body: unknown) => setTimeout(
          () => res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify(body)), this.latencyMs,
        );
        if (this.failWith) {
          reply(400, { __type: `com.amazonaws.dynamodb.v20120810#${this.failWith}`, message: 'injected failure' });
          return;
        }
        try {
          reply(200, this.handle(operation, input));
        } catch (error) {
          const { type, item } = error as { type?: string; item?: Item };
          reply(400, { __type: `com.amazonaws.dynamodb.v20120810#${type ?? 'ValidationException'}`, message: String((error as Error).message ?? error), Item: item });
        }
      });
    });
  }

  static async start(options: { latencyMs?: number } = {}): Promise<DynamoDbServer> {
    const server = new DynamoDbServer(options.latencyMs ?? 0);
    await new Promise<void>((resolve) => server.server.listen(0, '127.0.0.1', resolve));
    return server;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Items by status, e.g. { COMPLETED: 3 }. */
  statuses(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const item of this.items.values()) counts[item.status?.S ?? '?'] = (counts[item.status?.S ?? '?'] ?? 0) + 1;
    return counts;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
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
          if (!expired && !inProgressExpired) throw Object.assign(new Error('The conditional request failed'), { type: 'ConditionalCheckFailedException', item: existing });
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
