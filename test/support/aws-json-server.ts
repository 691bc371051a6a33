/**
 * The HTTP side shared by the local AWS stand-ins (Secrets Manager, SQS, DynamoDB): the AWS JSON
 * protocols send every operation as a POST with an X-Amz-Target header and a JSON body, and answer
 * errors with a `__type`. Each stand-in supplies only its operations.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Thrown by an operation to answer with an AWS error (HTTP 400). */
export class AwsJsonError extends Error {
  constructor(readonly type: string, message: string, readonly extra: Record<string, unknown> = {}) {
    super(message);
  }
}

export interface AwsJsonServerOptions {
  /** `application/x-amz-json-1.0` or `-1.1`, as the service uses. */
  readonly contentType: string;
  /** Delay before every answer. */
  readonly latencyMs?: number;
  /** Answers one operation (the part of X-Amz-Target after the dot). */
  readonly handle: (operation: string, input: any) => unknown;
}

export class AwsJsonServer {
  private constructor(private readonly server: http.Server) {}

  static async start(options: AwsJsonServerOptions): Promise<AwsJsonServer> {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const operation = String(req.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
        let status = 200;
        let body: unknown;
        try {
          body = options.handle(operation, JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'));
        } catch (error) {
          status = 400;
          body = error instanceof AwsJsonError
            ? { __type: error.type, message: error.message, ...error.extra }
            : { __type: 'ValidationException', message: (error as Error).message };
        }
        setTimeout(() => res.writeHead(status, { 'content-type': options.contentType }).end(JSON.stringify(body)), options.latencyMs ?? 0);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new AwsJsonServer(server);
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
