/**
 * A stand-in for the two Lambda API routes the operator commands use, on 127.0.0.1: a function's
 * configuration, and a synchronous invocation answered by `invoke`. Records every payload.
 */
import { LocalServer } from './local-server';

export class LambdaServer {
  readonly invocations: unknown[] = [];
  environment: Record<string, string> = {};
  invoke: (payload: unknown) => unknown = () => ({});

  private local!: LocalServer;

  static async start(): Promise<LambdaServer> {
    const server = new LambdaServer();
    server.local = await LocalServer.start(({ method, path, body }) => {
      const json = (status: number, value: unknown, headers: Record<string, string> = {}) =>
        ({ status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(value) });
      if (method === 'GET' && /^\/2015-03-31\/functions\/[^/]+\/configuration/.test(path)) {
        return json(200, { FunctionName: 'delivery', Environment: { Variables: server.environment } });
      }
      if (method === 'POST' && /^\/2015-03-31\/functions\/[^/]+\/invocations/.test(path)) {
        const payload = JSON.parse(body);
        server.invocations.push(payload);
        return json(200, server.invoke(payload), { 'x-amz-executed-version': '$LATEST' });
      }
      return json(404, { message: `no route ${method} ${path}` }, { 'x-amzn-errortype': 'ResourceNotFoundException' });
    });
    return server;
  }

  get endpoint(): string {
    return this.local.endpoint;
  }

  async stop(): Promise<void> {
    await this.local.stop();
  }
}
