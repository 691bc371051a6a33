/**
 * The HTTP side shared by the local AWS stand-ins (Secrets Manager, SQS, DynamoDB): the AWS JSON
 * protocols send every operation as a POST with an X-Amz-Target header and a JSON body, and answer
 * errors with a `__type`. Each stand-in supplies only its operations.
 */
import { LocalServer } from './local-server';

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
  private constructor(private readonly local: LocalServer) {}

  static async start(options: AwsJsonServerOptions): Promise<AwsJsonServer> {
    const local = await LocalServer.start(({ headers, body: text }) => {
      const operation = String(headers['x-amz-target'] ?? '').split('.').pop() ?? '';
      let status = 200;
      let body: unknown;
      try {
        body = options.handle(operation, JSON.parse(text || '{}'));
      } catch (error) {
        status = 400;
        body = error instanceof AwsJsonError
          ? { __type: error.type, message: error.message, ...error.extra }
          : { __type: 'ValidationException', message: (error as Error).message };
      }
      return { status, headers: { 'content-type': options.contentType }, body: JSON.stringify(body), delayMs: options.latencyMs };
    });
    return new AwsJsonServer(local);
  }

  get endpoint(): string {
    return this.local.endpoint;
  }

  stop(): Promise<void> {
    return this.local.stop();
  }
}
