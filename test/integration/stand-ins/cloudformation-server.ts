/**
 * A stand-in for CloudFormation's DescribeStacks on 127.0.0.1, in the AWS Query protocol the SDK
 * uses (a form-encoded POST, answered in XML). Reached through AWS_ENDPOINT_URL_CLOUDFORMATION.
 */
import { LocalServer } from './local-server';

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export class CloudFormationServer {
  readonly requests: Record<string, string>[] = [];
  private local!: LocalServer;

  /** `stacks`: stack name to its outputs; a test may change them. */
  private constructor(readonly stacks: Record<string, Record<string, string>>) {}

  /** `stacks`: stack name to its outputs. */
  static async start(stacks: Record<string, Record<string, string>>): Promise<CloudFormationServer> {
    const server = new CloudFormationServer(stacks);
    server.local = await LocalServer.start(({ body }) => server.handle(Object.fromEntries(new URLSearchParams(body))));
    return server;
  }

  get endpoint(): string {
    return this.local.endpoint;
  }

  stop(): Promise<void> {
    return this.local.stop();
  }

  private handle(form: Record<string, string>): { status: number; headers: Record<string, string>; body: string } {
    this.requests.push(form);
    const headers = { 'content-type': 'text/xml' };
    const outputs = this.stacks[form.StackName];
    if (form.Action !== 'DescribeStacks' || !outputs) {
      return {
        status: 400, headers,
        body: '<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">'
          + `<Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack with id ${escape(form.StackName ?? '')} does not exist</Message></Error>`
          + '<RequestId>test</RequestId></ErrorResponse>',
      };
    }
    const members = Object.entries(outputs).map(([key, value]) => `<member><OutputKey>${escape(key)}</OutputKey><OutputValue>${escape(value)}</OutputValue></member>`).join('');
    return {
      status: 200, headers,
      body: '<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">'
        + `<DescribeStacksResult><Stacks><member><StackName>${escape(form.StackName)}</StackName>`
        + `<StackId>arn:aws:cloudformation:eu-west-1:111122223333:stack/${escape(form.StackName)}/1</StackId>`
        + `<CreationTime>2026-11-01T00:00:00Z</CreationTime><StackStatus>CREATE_COMPLETE</StackStatus><Outputs>${members}</Outputs>`
        + '</member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>test</RequestId></ResponseMetadata></DescribeStacksResponse>',
    };
  }
}
