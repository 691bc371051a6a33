/**
 * The HTTP plumbing every local AWS stand-in shares: listen on 127.0.0.1, read the whole request,
 * answer what the stand-in says, stop cleanly. (The Graph API stand-in has its own: it must be able
 * to hang and to reset the socket.)
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LocalRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

export interface LocalResponse {
  readonly status: number;
  readonly headers?: http.OutgoingHttpHeaders;
  readonly body: string;
  /** Delay before answering. */
  readonly delayMs?: number;
}

export class LocalServer {
  private constructor(private readonly server: http.Server) {}

  static async start(handle: (request: LocalRequest) => LocalResponse): Promise<LocalServer> {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const response = handle({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        setTimeout(() => res.writeHead(response.status, response.headers).end(response.body), response.delayMs ?? 0);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new LocalServer(server);
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
