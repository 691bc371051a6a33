/**
 * A stand-in for the Graph API's messages endpoint on 127.0.0.1. Each recipient can be given a
 * script of answers (one per request), so a test can make one number fail twice and then succeed.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export type ScriptedAnswer =
  | { readonly kind: 'accept' }
  | { readonly kind: 'error'; readonly status: number; readonly code?: number; readonly retryAfterSeconds?: number }
  | { readonly kind: 'status'; readonly status: number; readonly body: string }
  /**
   * Never answers; the client must give up on its own. The only way a request goes unanswered: every
   * other answer is sent at once (after `latencyMs`), so a test can tell a planned hang from a slow machine.
   */
  | { readonly kind: 'hang' }
  /** Closes the connection without an answer. */
  | { readonly kind: 'reset' }
  /** Answers with a redirect to `location`. */
  | { readonly kind: 'redirect'; readonly status: number; readonly location: string };

export const accept: ScriptedAnswer = { kind: 'accept' };
export const graphError = (status: number, code?: number, retryAfterSeconds?: number): ScriptedAnswer => ({ kind: 'error', status, code, retryAfterSeconds });

export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly authorization?: string;
  readonly body: Record<string, unknown>;
  /** The recipient the request was for (`to` or `recipient.id`). */
  readonly recipient: string;
  /** What the server answered. */
  readonly answer: ScriptedAnswer['kind'];
  /** When it arrived (Date.now()). */
  readonly at: number;
}

/** Probabilities (0-1) of each fault per request, drawn from a seeded generator so a run can be repeated. */
export interface FaultRates {
  readonly throttle?: number;
  readonly serverError?: number;
  /** No answer at all: the client times out. The message is not accepted. */
  readonly hang?: number;
  /** The connection is closed before any answer. The message is not accepted. */
  readonly reset?: number;
  /** 131026, undeliverable. */
  readonly permanent?: number;
  readonly seed?: number;
}

export interface GraphApiServerOptions {
  /** Delay before every answer. */
  readonly latencyMs?: number;
  /** The token the server accepts; any other gets error 190. */
  readonly validToken?: string;
  /**
   * Meta's throughput limit: at most this many messages accepted per phone number in any one-second
   * window; past it, 130429. Also the pair rate: a second message to the same person within
   * `pairIntervalMs` gets 131056.
   */
  readonly ratePerSecond?: number;
  readonly pairIntervalMs?: number;
}

export class GraphApiServer {
  readonly requests: ReceivedRequest[] = [];
  /** Messages the server accepted, by recipient, in order. */
  readonly accepted = new Map<string, string[]>();
  private readonly scripts = new Map<string, ScriptedAnswer[]>();
  private readonly server: http.Server;
  private validToken: string | undefined;
  private messageCounter = 0;
  private faults?: FaultRates;
  /** Accepted messages in the current one-second window, by phone number id; and when each recipient last got one. */
  private window = { second: -1, counts: new Map<string, number>() };
  private readonly lastAcceptedAt = new Map<string, number>();
  /** Until this time, every request gets a 503 (an outage). */
  outageUntil = 0;
  private random: () => number = Math.random;

  private constructor(private readonly options: GraphApiServerOptions) {
    this.validToken = options.validToken;
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 10_000;
  }

  static async start(options: GraphApiServerOptions = {}): Promise<GraphApiServer> {
    const server = new GraphApiServer(options);
    await new Promise<void>((resolve) => server.server.listen(0, '127.0.0.1', resolve));
    return server;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Answers for `recipient`'s next requests, in order; after them, requests are accepted. */
  script(recipient: string, ...answers: ScriptedAnswer[]): void {
    this.scripts.set(recipient, [...answers]);
  }

  /** Injects faults into every request without a script; `undefined` turns them off. */
  injectFaults(faults: FaultRates | undefined): void {
    this.faults = faults;
    this.random = mulberry32(faults?.seed ?? 1);
  }

  acceptToken(token: string): void {
    this.validToken = token;
  }

  requestsFor(recipient: string): ReceivedRequest[] {
    return this.requests.filter((r) => r.recipient === recipient);
  }

  reset(): void {
    this.requests.length = 0;
    this.accepted.clear();
    this.scripts.clear();
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        // answered below as a Graph invalid-parameter error
      }
      const recipient = String(body.to ?? (body.recipient as { id?: unknown } | undefined)?.id ?? '');
      const authorization = req.headers.authorization;
      const tokenOk = this.validToken === undefined || authorization === `Bearer ${this.validToken}`;
      const answer: ScriptedAnswer = !tokenOk ? graphError(401, 190)
        : this.scripts.get(recipient)?.shift() ?? this.drawFault() ?? this.limit(req.url ?? '', recipient) ?? accept;
      this.requests.push({ method: req.method ?? '', path: req.url ?? '', authorization, body, recipient, answer: answer.kind, at: Date.now() });
      setTimeout(() => this.answer(answer, recipient, req, res), this.options.latencyMs ?? 0);
    });
  }

  /** An outage, the throughput limit or the pair rate, as Meta would answer; undefined when none applies. */
  private limit(path: string, recipient: string): ScriptedAnswer | undefined {
    const now = Date.now();
    if (now < this.outageUntil) return graphError(503);
    if (this.options.ratePerSecond === undefined) return undefined;
    const second = Math.floor(now / 1000);
    if (second !== this.window.second) this.window = { second, counts: new Map() };
    const sender = path.split('/')[2] ?? '';
    const count = this.window.counts.get(sender) ?? 0;
    if (count >= this.options.ratePerSecond) return graphError(400, 130429);
    const last = this.lastAcceptedAt.get(recipient);
    if (this.options.pairIntervalMs !== undefined && last !== undefined && now - last < this.options.pairIntervalMs) return graphError(400, 131056);
    this.window.counts.set(sender, count + 1);
    this.lastAcceptedAt.set(recipient, now);
    return undefined;
  }

  private drawFault(): ScriptedAnswer | undefined {
    if (!this.faults) return undefined;
    const draw = this.random();
    let bound = 0;
    const faults: [number | undefined, ScriptedAnswer][] = [
      [this.faults.throttle, graphError(429, 130429)],
      [this.faults.serverError, graphError(503)],
      [this.faults.hang, { kind: 'hang' }],
      [this.faults.reset, { kind: 'reset' }],
      [this.faults.permanent, graphError(400, 131026)],
    ];
    for (const [rate, answer] of faults) {
      bound += rate ?? 0;
      if (draw < bound) return answer;
    }
    return undefined;
  }

  private answer(answer: ScriptedAnswer, recipient: string, req: http.IncomingMessage, res: http.ServerResponse): void {
    switch (answer.kind) {
      case 'hang':
        return;
      case 'reset':
        req.socket.destroy();
        return;
      case 'status':
        res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
        return;
      case 'redirect':
        res.writeHead(answer.status, { location: answer.location }).end();
        return;
      case 'error': {
        const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/json' };
        if (answer.retryAfterSeconds !== undefined) headers['retry-after'] = String(answer.retryAfterSeconds);
        const body = answer.code === undefined ? 'Service Unavailable'
          : JSON.stringify({ error: { message: `(#${answer.code}) scripted error`, type: 'OAuthException', code: answer.code, fbtrace_id: 'trace' } });
        res.writeHead(answer.status, headers).end(body);
        return;
      }
      case 'accept': {
        this.messageCounter += 1;
        const id = `wamid.test${this.messageCounter}`;
        this.accepted.set(recipient, [...(this.accepted.get(recipient) ?? []), id]);
        // One body that both answers parse: WhatsApp's messages[0].id, Messenger's message_id.
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
          messaging_product: 'whatsapp', contacts: [{ input: recipient, wa_id: recipient }], messages: [{ id }],
          recipient_id: recipient, message_id: id,
        }));
      }
    }
  }
}

/** A small seeded generator, so that a fault run is the same every time. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
