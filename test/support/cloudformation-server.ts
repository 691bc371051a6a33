/**
 * A stand-in for CloudFormation's DescribeStacks on 127.0.0.1, in the AWS Query protocol the SDK
 * uses (a form-encoded POST, answered in XML). Reached through AWS_ENDPOINT_URL_CLOUDFORMATION.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export class CloudFormationServer {
  readonly requests: Record<string, string>[] = [];

  private constructor(private readonly server: http.Server) {}

  /** `stacks`: stack name to its outputs. */
  static async start(stacks: Record<string, Record<string, string>>): Promise<CloudFormationServer> {
    let instance: CloudFormationServer | undefined;
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
        instance?.requests.push(form);
        const outputs = stacks[form.StackName];
        if (form.Action !== 'DescribeStacks' || !outputs) {
          res.writeHead(400, { 'content-type': 'text/xml' }).end(`<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">`
            + `<Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack with id ${escape(form.StackName ?? '')} does not exist</Message></Error>`
            + '<RequestId>test</RequestId></ErrorResponse>');
          return;
        }
        const members = Object.entries(outputs).map(([key, value]) => `<member><OutputKey>${escape(key)}</OutputKey><OutputValue>${escape(value)}</OutputValue></member>`).join('');
        res.writeHead(200, { 'content-type': 'text/xml' }).end(`<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">`
          + `<DescribeStacksResult><Stacks><member><StackName>${escape(form.StackName)}</StackName>`
          + `<StackId>arn:aws:cloudformation:eu-west-1:111122223333:stack/${escape(form.StackName)}/1</StackId>`
          + `<CreationTime>2026-11-01T00:00:00Z</CreationTime><StackStatus>CREATE_COMPLETE</StackStatus><Outputs>${members}</Outputs>`
          + '</member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>test</RequestId></ResponseMetadata></DescribeStacksResponse>');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    instance = new CloudFormationServer(server);
    return instance;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
