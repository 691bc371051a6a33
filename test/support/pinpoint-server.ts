/**
 * A stand-in for the Pinpoint API routes the operator commands use, on 127.0.0.1, in the REST-JSON
 * protocol the SDK speaks. Reached through AWS_ENDPOINT_URL_PINPOINT. Records every request.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PinpointRequest {
  readonly method: string;
  readonly path: string;
  readonly body: any;
}

export class PinpointServer {
  readonly requests: PinpointRequest[] = [];
  /** Campaigns created, by id. */
  readonly campaigns = new Map<string, any>();

  private constructor(private readonly server: http.Server) {}

  static async start(): Promise<PinpointServer> {
    let instance: PinpointServer | undefined;
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const request = { method: req.method ?? '', path: req.url ?? '', body: text ? JSON.parse(text) : undefined };
        instance!.requests.push(request);
        const [status, body] = instance!.route(request);
        res.writeHead(status, { 'content-type': 'application/json', ...(status >= 400 ? { 'x-amzn-errortype': body.__type } : {}) }).end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    instance = new PinpointServer(server);
    return instance;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private route({ method, path, body }: PinpointRequest): [number, any] {
    let match = /^\/v1\/apps\/(\w+)\/endpoints$/.exec(path);
    if (method === 'PUT' && match) return [202, { Message: 'Accepted', RequestID: 'request' }];
    match = /^\/v1\/apps\/(\w+)\/campaigns$/.exec(path);
    if (method === 'POST' && match) {
      const id = `c${String(this.campaigns.size + 1).padStart(31, '0')}`;
      const campaign = {
        ...body, Id: id, ApplicationId: match[1], Arn: `arn:aws:mobiletargeting:eu-west-1:111122223333:apps/${match[1]}/campaigns/${id}`,
        CreationDate: '2026-11-23T10:00:00Z', LastModifiedDate: '2026-11-23T10:00:00Z', SegmentVersion: 1, State: { CampaignStatus: 'SCHEDULED' },
      };
      this.campaigns.set(id, campaign);
      return [201, campaign];
    }
    match = /^\/v1\/apps\/(\w+)\/campaigns\/(\w+)(\/activities)?$/.exec(path);
    if (method === 'GET' && match) {
      const campaign = this.campaigns.get(match[2]);
      if (!campaign) return [404, { __type: 'NotFoundException', Message: 'Resource not found', RequestID: 'request' }];
      if (!match[3]) return [200, campaign];
      return [200, { Item: [{
        ApplicationId: match[1], CampaignId: match[2], Id: 'activity1', State: 'COMPLETED', TotalEndpointCount: 120, SuccessfulEndpointCount: 118,
        Start: '2026-11-23T10:00:05Z', End: '2026-11-23T10:00:40Z',
      }] }];
    }
    return [404, { __type: 'NotFoundException', Message: `no route ${method} ${path}` }];
  }
}
