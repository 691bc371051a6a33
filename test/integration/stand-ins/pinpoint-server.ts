/**
 * A stand-in for the Pinpoint API routes the operator commands use, on 127.0.0.1, in the REST-JSON
 * protocol the SDK speaks. Reached through AWS_ENDPOINT_URL_PINPOINT. Records every request.
 */
import { LocalServer } from './local-server';

export interface PinpointRequest {
  readonly method: string;
  readonly path: string;
  readonly body: any;
}

export class PinpointServer {
  readonly requests: PinpointRequest[] = [];
  /** Campaigns created, by id. */
  readonly campaigns = new Map<string, any>();

  private local!: LocalServer;

  static async start(): Promise<PinpointServer> {
    const server = new PinpointServer();
    server.local = await LocalServer.start(({ method, path, body: text }) => {
      const request = { method, path, body: text ? JSON.parse(text) : undefined };
      server.requests.push(request);
      const [status, body] = server.route(request);
      return { status, headers: { 'content-type': 'application/json', ...(status >= 400 ? { 'x-amzn-errortype': body.__type } : {}) }, body: JSON.stringify(body) };
    });
    return server;
  }

  get endpoint(): string {
    return this.local.endpoint;
  }

  stop(): Promise<void> {
    return this.local.stop();
  }

  private route({ method, path, body }: PinpointRequest): [number, any] {
    let match = /^\/v1\/apps\/(\w+)\/endpoints$/.exec(path);
    if (method === 'PUT' && match) return [202, { Message: 'Accepted', RequestID: 'request' }];
    // PutEvents: every event of every endpoint accepted.
    match = /^\/v1\/apps\/(\w+)\/events$/.exec(path);
    if (method === 'POST' && match) {
      const results = Object.fromEntries(Object.entries((body?.BatchItem ?? {}) as Record<string, { Events?: Record<string, unknown> }>).map(([endpointId, item]) => [endpointId, {
        EndpointItemResponse: { Message: 'Accepted', StatusCode: 202 },
        EventsItemResponse: Object.fromEntries(Object.keys(item.Events ?? {}).map((eventId) => [eventId, { Message: 'Accepted', StatusCode: 202 }])),
      }]));
      return [202, { Results: results }];
    }
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
