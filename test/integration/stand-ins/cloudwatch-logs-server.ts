/**
 * A stand-in for CloudWatch Logs Insights (StartQuery, GetQueryResults) on 127.0.0.1, in the JSON 1.1
 * protocol. It records the queries and answers with the results a test gives it, after one "Running".
 */
import { AwsJsonServer } from './aws-json-server';

export class CloudWatchLogsServer {
  readonly queries: Record<string, unknown>[] = [];
  /** The single result row the next query returns, as Logs Insights fields. */
  result: Record<string, string> = {};
  private http!: AwsJsonServer;
  private polls = 0;

  static async start(): Promise<CloudWatchLogsServer> {
    const server = new CloudWatchLogsServer();
    server.http = await AwsJsonServer.start({ contentType: 'application/x-amz-json-1.1', handle: (operation, input) => server.handle(operation, input) });
    return server;
  }

  get endpoint(): string {
    return this.http.endpoint;
  }

  stop(): Promise<void> {
    return this.http.stop();
  }

  private handle(operation: string, input: Record<string, unknown>): unknown {
    if (operation === 'StartQuery') {
      this.queries.push(input);
      this.polls = 0;
      return { queryId: `q${this.queries.length}` };
    }
    this.polls += 1;
    if (this.polls === 1) return { status: 'Running', results: [] };
    return { status: 'Complete', results: [Object.entries(this.result).map(([field, value]) => ({ field, value }))] };
  }
}
