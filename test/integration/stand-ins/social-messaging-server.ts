/**
 * A stand-in for AWS End User Messaging Social's SendWhatsAppMessage on 127.0.0.1, speaking its
 * REST-JSON protocol (`POST /v1/whatsapp/send`; errors named by the `x-amzn-errortype` header).
 * Reached through AWS_ENDPOINT_URL_SOCIALMESSAGING. Records every request with its decoded message;
 * `script` makes one recipient's next requests fail with the given AWS errors.
 */
import { randomUUID } from 'node:crypto';
import { LocalServer } from './local-server';

export interface SocialMessagingRequest {
  readonly originationPhoneNumberId: string;
  readonly metaApiVersion: string;
  /** The WhatsApp message object, decoded from the request's base64 blob. */
  readonly message: Record<string, unknown>;
  readonly authorization: string;
}

/** An AWS error answer: the error's name and its HTTP status, as the operation's model gives them. */
export const SOCIAL_ERRORS = {
  ThrottledRequestException: 429, InternalServiceException: 500, DependencyException: 502, ValidationException: 400,
  InvalidParametersException: 400, ResourceNotFoundException: 404, AccessDeniedException: 403, AccessDeniedByMetaException: 403,
} as const;
export type SocialError = keyof typeof SOCIAL_ERRORS;

export class SocialMessagingServer {
  readonly requests: SocialMessagingRequest[] = [];
  /** How long each answer takes. */
  latencyMs = 0;
  private readonly scripts = new Map<string, SocialError[]>();
  private local!: LocalServer;

  static async start(options: { latencyMs?: number } = {}): Promise<SocialMessagingServer> {
    const server = new SocialMessagingServer();
    server.latencyMs = options.latencyMs ?? 0;
    server.local = await LocalServer.start(({ method, path, headers, body }) => {
      const json = (status: number, value: unknown, extra: Record<string, string> = {}) =>
        ({ status, headers: { 'content-type': 'application/json', ...extra }, body: JSON.stringify(value), delayMs: server.latencyMs });
      if (method !== 'POST' || path !== '/v1/whatsapp/send') return json(404, { message: `no route ${method} ${path}` }, { 'x-amzn-errortype': 'ResourceNotFoundException' });
      const input = JSON.parse(body) as { originationPhoneNumberId: string; metaApiVersion: string; message: string };
      const message = JSON.parse(Buffer.from(input.message, 'base64').toString('utf8')) as Record<string, unknown>;
      server.requests.push({ ...input, message, authorization: String(headers.authorization ?? '') });
      const error = server.scripts.get(String(message.to))?.shift();
      if (error) return json(SOCIAL_ERRORS[error], { message: `${error} from the stand-in` }, { 'x-amzn-errortype': error });
      return json(200, { messageId: `msg-${randomUUID()}` });
    });
    return server;
  }

  /** The next requests to `to` (with its "+") fail with these errors, in order. */
  script(to: string, ...errors: SocialError[]): void {
    this.scripts.set(to, errors);
  }

  reset(): void {
    this.requests.length = 0;
    this.scripts.clear();
    this.latencyMs = 0;
  }

  get endpoint(): string {
    return this.local.endpoint;
  }

  async stop(): Promise<void> {
    await this.local.stop();
  }
}
