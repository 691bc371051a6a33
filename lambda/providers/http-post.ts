/**
 * One JSON POST over node:http or node:https, with one keep-alive agent per protocol shared by every
 * request of the container. Chosen over fetch by measurement (`npm run bench`, docs/benchmark.md):
 * fetch's CPU per 50 requests was the largest part of a batch's, which a Lambda pays at a fraction
 * of a vCPU. Redirects are never followed: the caller sees the 3xx.
 */
import * as http from 'node:http';
import * as https from 'node:https';

export interface PostAnswer {
  readonly status: number;
  header(name: string): string | undefined;
  /** The whole body; rejects if the connection breaks (or the signal fires) while it is read. */
  text(): Promise<string>;
  /** Throws the body away, so that the connection can be used again. */
  discard(): void;
}

/** A request that was never made: nothing left this process. */
export class RequestRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RequestRefused';
  }
}

const AGENTS: Record<string, http.Agent> = {
  'http:': new http.Agent({ keepAlive: true }),
  'https:': new https.Agent({ keepAlive: true }),
};

export function postJson(url: string, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<PostAnswer> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.reject(new RequestRefused('not a URL'));
  }
  // Credentials in the URL would be sent along as a Basic header; the caller's text must never carry them.
  if (target.username || target.password) return Promise.reject(new RequestRefused('a URL with credentials'));
  const agent = AGENTS[target.protocol];
  if (!agent) return Promise.reject(new RequestRefused(`an unsupported protocol ${target.protocol}`));
  const transport = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = transport.request(target, {
      method: 'POST', agent, signal, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
    }, (response) => {
      let read: Promise<string> | undefined;
      resolve({
        status: response.statusCode ?? 0,
        header: (name) => {
          const value = response.headers[name.toLowerCase()];
          return Array.isArray(value) ? value[0] : value;
        },
        text: () => {
          read ??= new Promise((done, fail) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
            response.on('error', fail);
          });
          return read;
        },
        discard: () => void response.resume(),
      });
    });
    request.on('error', reject);
    request.end(body);
  });
}
