import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { PinpointClient } from '@aws-sdk/client-pinpoint';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { endpointsFromCsv, outcomeQuery, runOps } from '../../cli/ops';
import { endpointIdFor } from '../../cli/shared/endpoints';
import { parseConnectEvent } from '../../lambda/triggers/connect/event';
import { renderForProfile } from '../../lambda/triggers/connect/profile';
import { CloudWatchLogsServer } from './stand-ins/cloudwatch-logs-server';
import { LambdaServer } from './stand-ins/lambda-server';
import { CloudFormationServer } from './stand-ins/cloudformation-server';
import { PinpointServer } from './stand-ins/pinpoint-server';
import { SecretsManagerServer } from './stand-ins/secrets-manager-server';

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:whatsapp/token-AbC123';
const TOKEN = 'test-token-operator-0123456789';
const CREDENTIALS = { accessKeyId: 'AKIDTESTONLY', secretAccessKey: 'test-only' };

const PROJECT_ID = '0123456789abcdef0123456789abcdef';
const SEGMENT_ID = 'fedcba9876543210fedcba9876543210';
const FUNCTION_ARN = 'arn:aws:lambda:eu-west-1:111122223333:function:delivery';

let cloudFormation: CloudFormationServer;
let secrets: SecretsManagerServer;
let pinpoint: PinpointServer;
let logs: CloudWatchLogsServer;
let lambda: LambdaServer;

beforeAll(async () => {
  cloudFormation = await CloudFormationServer.start({
    'PinpointCustomChannel-Delivery': {
      TokenSecretArn: SECRET_ARN, DeliveryFunctionArn: FUNCTION_ARN, DeliveryLogGroupName: 'delivery-logs', WorkerLogGroupName: 'worker-logs',
    },
    'PinpointCustomChannel-Campaign': { ProjectId: PROJECT_ID, SegmentId: SEGMENT_ID },
  });
  secrets = await SecretsManagerServer.start({ [SECRET_ARN]: '{"accessToken":"placeholder"}' });
  pinpoint = await PinpointServer.start();
  logs = await CloudWatchLogsServer.start();
  lambda = await LambdaServer.start();
});

afterAll(async () => {
  await cloudFormation.stop();
  await secrets.stop();
  await pinpoint.stop();
  await logs.stop();
  await lambda.stop();
});

beforeEach(() => {
  secrets.puts.length = 0;
  cloudFormation.requests.length = 0;
  pinpoint.requests.length = 0;
  lambda.invocations.length = 0;
  lambda.environment = { CHANNEL: 'whatsapp' };
});

function csvFile(text: string): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ops-csv-')), 'people.csv');
  fs.writeFileSync(file, text);
  return file;
}

/** Runs an ops command in-process with the real SDK clients pointed at the local stand-ins. */
async function ops(argv: string[], stdin = '', env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const clients = () => ({
    cloudFormation: new CloudFormationClient({ endpoint: cloudFormation.endpoint, region: 'eu-west-1', credentials: CREDENTIALS }),
    secretsManager: new SecretsManagerClient({ endpoint: secrets.url, region: 'eu-west-1', credentials: CREDENTIALS }),
    pinpoint: new PinpointClient({ endpoint: pinpoint.endpoint, region: 'eu-west-1', credentials: CREDENTIALS }),
    logs: new CloudWatchLogsClient({ endpoint: logs.endpoint, region: 'eu-west-1', credentials: CREDENTIALS }),
    lambda: new LambdaClient({ endpoint: lambda.endpoint, region: 'eu-west-1', credentials: CREDENTIALS }),
  });
  const code = await runOps(argv, env, { readStdin: async () => stdin, stdinIsTty: false, out: (l) => out.push(l), err: (l) => err.push(l) }, clients);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('ops set-token', () => {
  test('stores the token from standard input in the secret named by the delivery stack\'s output', async () => {
    // GIVEN a deployed delivery stack; WHEN the token is piped in
    const result = await ops(['set-token'], `${TOKEN}\n`);
    // THEN the secret ARN was looked up by stack name and the SDK sent exactly this PutSecretValue
    expect(result).toMatchObject({ code: 0, err: '' });
    expect(cloudFormation.requests).toEqual([expect.objectContaining({ Action: 'DescribeStacks', StackName: 'PinpointCustomChannel-Delivery' })]);
    expect(secrets.puts).toEqual([{ SecretId: SECRET_ARN, SecretString: JSON.stringify({ accessToken: TOKEN }), ClientRequestToken: expect.any(String) }]);
    expect(result.out).toContain(`Stored the token in ${SECRET_ARN}`);
    expect(result.out).not.toContain(TOKEN);
  });

  test('a deployment that sends through End User Messaging Social (no secret) is told it has no token, in one line', async () => {
    // GIVEN a delivery stack without a token secret, whose function sends through AWS
    const outputs = cloudFormation.stacks['PinpointCustomChannel-Delivery'];
    const { TokenSecretArn, ...withoutSecret } = outputs;
    cloudFormation.stacks['PinpointCustomChannel-Delivery'] = withoutSecret;
    lambda.environment = { CHANNEL: 'whatsapp', WHATSAPP_API: 'aws' };
    try {
      // WHEN a token is piped in; THEN it is refused, and nothing is stored
      const result = await ops(['set-token'], `${TOKEN}\n`);
      expect(result).toMatchObject({
        code: 2, err: 'ops set-token: this deployment sends WhatsApp through AWS End User Messaging Social (whatsappApi=aws): IAM authorises it, and it has no token to set',
      });
      expect(secrets.puts).toHaveLength(0);
    } finally {
      cloudFormation.stacks['PinpointCustomChannel-Delivery'] = { ...withoutSecret, TokenSecretArn };
    }
  });

  test('--dry-run prints the exact request without the token, and makes no AWS call', async () => {
    const result = await ops(['set-token', '--dry-run', '--secret-arn', SECRET_ARN], TOKEN);
    expect(result.code).toBe(0);
    expect(secrets.puts).toHaveLength(0);
    expect(result.out).toBe(`PutSecretValue ${JSON.stringify({ SecretId: SECRET_ARN, SecretString: `{"accessToken":"<the ${TOKEN.length} characters read from standard input>"}` })}`);
    // Without the id as a flag, a dry run names the output it would read instead of reading it
    const unnamed = await ops(['set-token', '--dry-run'], TOKEN);
    expect(unnamed.out).toContain('"SecretId":"<TokenSecretArn of PinpointCustomChannel-Delivery>"');
    expect(cloudFormation.requests).toHaveLength(0);
  });

  test('--secret-arn skips the lookup; --stack-prefix looks in another deployment', async () => {
    await ops(['set-token', '--secret-arn', SECRET_ARN], TOKEN);
    expect(cloudFormation.requests).toHaveLength(0);
    expect(secrets.puts).toHaveLength(1);
    const other = await ops(['set-token', '--stack-prefix', 'Shop-EU'], TOKEN);
    expect(other).toMatchObject({ code: 1, err: 'ops set-token: stack Shop-EU-Delivery was not found: deploy it first, or pass the --stack-prefix it was deployed with' });
  });

  test.each([
    ['no token', [], '', 2, 'no token on standard input'],
    ['a token with a space', [], 'two words', 2, 'contains white space'],
    ['a malformed --secret-arn', ['--secret-arn', 'my-secret'], TOKEN, 2, '--secret-arn must be the ARN'],
    ['an unknown flag', ['--token', TOKEN], '', 2, "Unknown option '--token'"],
    ['a JSON token file', [], '{"accessToken":"test-token-in-json"}', 2, 'standard input holds JSON or a quoted string; pipe in the bare token'],
    ['a quoted token', [], '"test-token-quoted"', 2, 'standard input holds JSON or a quoted string'],
  ])('refuses %s with a clear message and no request', async (_name, flags, stdin, code, message) => {
    const result = await ops(['set-token', ...flags], stdin);
    expect(result.code).toBe(code);
    expect(result.err).toContain(message);
    expect(result.err).not.toMatch(/\n\s+at /);
    expect(secrets.puts).toHaveLength(0);
  });

  test('an AWS refusal is one line naming the error, exit code 1', async () => {
    const result = await ops(['set-token', '--secret-arn', 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:other-XyZ789'], TOKEN);
    expect(result).toMatchObject({ code: 1, err: expect.stringMatching(/^ops set-token: ResourceNotFoundException: /) });
  });

  test('--help and an unknown command', async () => {
    expect(await ops(['set-token', '--help'])).toMatchObject({ code: 0, out: expect.stringContaining('never from an argument') });
    expect(await ops(['launch'])).toMatchObject({ code: 2, err: expect.stringContaining('unknown command "launch"') });
  });
});

describe('ops add-endpoint', () => {
  test('creates or updates one CUSTOM endpoint in the project found by stack name', async () => {
    const result = await ops(['add-endpoint', '--address', '+1 (555) 010-0007', '--user-id', 'u7', '--user-attr', 'FirstName=Ana', '--attr', 'Item=shoes']);
    expect(result).toMatchObject({ code: 0, err: '' });
    expect(pinpoint.requests).toEqual([{
      method: 'PUT', path: `/v1/apps/${PROJECT_ID}/endpoints`,
      body: { Item: [{ Id: endpointIdFor('15550100007'), ChannelType: 'CUSTOM', Address: '+15550100007', OptOut: 'NONE', Attributes: { Item: ['shoes'] }, User: { UserId: 'u7', UserAttributes: { FirstName: ['Ana'] } } }] },
    }]);
    expect(result.out).toBe(`endpoint ${endpointIdFor('15550100007')} (***0007) created or updated`);
  });

  test('the endpoint id does not show the number, and the same number always gets the same id', () => {
    expect(endpointIdFor('15550100007')).toMatch(/^custom-[0-9a-f]{20}$/);
    expect(endpointIdFor('15550100007')).not.toContain('0100007');
    expect(endpointIdFor('15550100007')).toBe(endpointIdFor('15550100007'));
    expect(endpointIdFor('15550100008')).not.toBe(endpointIdFor('15550100007'));
  });

  test('an endpoint id given by hand that holds a number is printed masked', async () => {
    const result = await ops(['add-endpoint', '--address', '+15550100007', '--endpoint-id', 'custom-15550100007']);
    expect(result.out).toBe('endpoint custom-***0007 (***0007) created or updated');
  });

  test.each([
    [['--address', 'mary@example.com'], 'is not a phone number'],
    [['--address', '+15550100007', '--attr', 'Item'], '--attr takes Key=Value'],
    [['--address', '+15550100007', '--attr', '__proto__=x'], '--attr __proto__ is a reserved name'],
    [['--address', '+15550100007', '--user-attr', 'constructor=x'], '--user-attr constructor is a reserved name'],
    [['--address', '+15550100007', '--attr', 'toString=x', '--attr', 'prototype=y'], '--attr prototype is a reserved name'],
    [['--user-id', 'u'], '--address is required'],
    [['--address', '+15550100007', '--project-id', 'p'], '--project-id must be'],
  ])('%j is refused without a request: %s', async (flags, message) => {
    const result = await ops(['add-endpoint', ...flags]);
    expect(result.code).toBe(2);
    expect(result.err).toContain(message);
    expect(pinpoint.requests).toHaveLength(0);
  });

  test('--dry-run prints the request and sends nothing', async () => {
    const result = await ops(['add-endpoint', '--address', '+15550100007', '--dry-run', '--project-id', PROJECT_ID]);
    expect(result.out).toMatch(/^UpdateEndpointsBatch \{"ApplicationId":"0123456789abcdef0123456789abcdef"/);
    expect(pinpoint.requests).toHaveLength(0);
  });
});

describe('ops import-endpoints', () => {
  test('imports a CSV in batches of 100, with quoted fields, user and endpoint attributes', async () => {
    const rows = Array.from({ length: 250 }, (_, i) => `+1555010${String(i).padStart(4, '0')},u${i},"Smith, ${i}",vip`);
    const result = await ops(['import-endpoints', '--file', csvFile(`address,userId,user:LastName,attr:Tier\n${rows.join('\n')}\n`)]);
    expect(result).toMatchObject({ code: 0, err: '' });
    expect(pinpoint.requests.map((r) => r.body.Item.length)).toEqual([100, 100, 50]);
    expect(pinpoint.requests[0].body.Item[3]).toEqual({
      Id: endpointIdFor('15550100003'), ChannelType: 'CUSTOM', Address: '+15550100003', OptOut: 'NONE',
      Attributes: { Tier: ['vip'] }, User: { UserId: 'u3', UserAttributes: { LastName: ['Smith, 3'] } },
    });
    expect(result.out).toContain('250 endpoint(s) created or updated');
  });

  test('column prefixes in any case keep their values: User:FirstName and ATTR:Tier', async () => {
    const result = await ops(['import-endpoints', '--file', csvFile('Address,User:FirstName,ATTR:Tier\n+15550100003,Ana,vip\n')]);
    expect(result).toMatchObject({ code: 0, err: '' });
    expect(pinpoint.requests[0].body.Item[0]).toMatchObject({ Attributes: { Tier: ['vip'] }, User: { UserAttributes: { FirstName: ['Ana'] } } });
  });

  test('a quote left open is refused with its line, instead of swallowing the rows after it', async () => {
    const result = await ops(['import-endpoints', '--file', csvFile('address,user:Name\n+15550100001,"Ana\n+15550100002,Bob\n')]);
    expect(result.code).toBe(2);
    expect(result.err).toContain('a quoted field is not closed');
    expect(pinpoint.requests).toHaveLength(0);
  });

  test('a reserved attribute name in the header is refused', async () => {
    const result = await ops(['import-endpoints', '--file', csvFile('address,attr:__proto__\n+15550100001,x\n')]);
    expect(result.code).toBe(2);
    expect(result.err).toContain('line 1: column "attr:__proto__" uses a reserved name');
  });

  test('reports every rejected row with its line number and imports nothing', async () => {
    const file = csvFile('address,userId\n+15550100001,a\nnot-a-number,b\n+15550100001,c\n"+1555 0100 004",d,extra\n');
    const result = await ops(['import-endpoints', '--file', file]);
    expect(result.code).toBe(2);
    expect(result.err.split('\n').slice(0, 3)).toEqual([
      'line 3: "not-a-number" is not a phone number (E.164, such as +15551234567)',
      `line 4: ***0001 (endpoint ${endpointIdFor('15550100001')}) is already on line 2`,
      'line 5: 3 fields, but the header has 2',
    ]);
    expect(result.err).toContain('3 row(s) rejected; nothing was imported');
    expect(pinpoint.requests).toHaveLength(0);
  });

  test.each([
    ['no address column', 'phone\n+15550100001\n', 'line 1: the header has no address column'],
    ['an unknown column', 'address,colour\n+15550100001,red\n', 'line 1: unknown column "colour"'],
  ])('a header with %s is refused', (_name, text, message) => {
    expect(endpointsFromCsv(text).rejected).toEqual([message]);
  });

  test('a line break inside a quoted field keeps the line numbers right', () => {
    const { items, rejected } = endpointsFromCsv('address,user:Note\n+15550100001,"two\nlines"\nbad,x\n');
    expect(items[0].User?.UserAttributes).toEqual({ Note: ['two\nlines'] });
    expect(rejected).toEqual(['line 4: "bad" is not a phone number (E.164, such as +15551234567)']);
  });

  test('a missing file is one clear line', async () => {
    expect(await ops(['import-endpoints', '--file', '/no/such/file.csv'])).toMatchObject({ code: 2, err: 'ops import-endpoints: cannot read /no/such/file.csv: ENOENT' });
  });
});

describe('ops send', () => {
  test('creates a campaign with the custom delivery configuration, the template Data and the deployed function', async () => {
    const result = await ops(['send', '--template', 'order_unpaid', '--param', '{{User.UserAttributes.FirstName}}', '--param', 'shoes', '--now', '--name', 'November reminder']);
    expect(result).toMatchObject({ code: 0, err: '' });
    const [request] = pinpoint.requests;
    expect(request).toMatchObject({ method: 'POST', path: `/v1/apps/${PROJECT_ID}/campaigns` });
    expect(request.body).toEqual({
      Name: 'November reminder', SegmentId: SEGMENT_ID, Schedule: { StartTime: 'IMMEDIATE', Frequency: 'ONCE' }, IsPaused: false,
      MessageConfiguration: { CustomMessage: { Data: expect.any(String) } },
      CustomDeliveryConfiguration: { DeliveryUri: FUNCTION_ARN, EndpointTypes: ['CUSTOM'] },
    });
    expect(JSON.parse(request.body.MessageConfiguration.CustomMessage.Data)).toEqual({
      type: 'template',
      template: { name: 'order_unpaid', language: { code: 'en_US' }, components: [{ type: 'body', parameters: [{ type: 'text', text: '{{User.UserAttributes.FirstName}}' }, { type: 'text', text: 'shoes' }] }] },
    });
    const id = [...pinpoint.campaigns.keys()][0];
    expect(result.out).toBe(`campaign ${id} created (SCHEDULED)\nconsole: https://eu-west-1.console.aws.amazon.com/pinpoint/home?region=eu-west-1#/apps/${PROJECT_ID}/campaigns/${id}/details`);
  });

  test.each([
    [['--template', 'Order Unpaid', '--now'], '--template must be'],
    [['--template', 'x'], 'exactly one of --now and --at'],
    [['--template', 'x', '--now', '--at', '2030-01-01T00:00:00Z'], 'exactly one of --now and --at'],
    [['--template', 'x', '--at', '2020-01-01T00:00:00Z'], 'is in the past'],
    [['--template', 'x', '--at', 'tomorrow'], 'ISO 8601'],
    [['--template', 'x', '--now', '--param', 'Hi {{FirstName}}'], 'unsupported placeholders {{FirstName}}'],
    [['--template', 'x', '--now', '--param', 'y'.repeat(6000)], 'bytes; Pinpoint allows 5120'],
    [['--template', 'x', '--now', '--language', 'english'], '--language must be'],
  ])('%j is refused without a request: %s', async (flags, message) => {
    const result = await ops(['send', ...flags]);
    expect(result.code).toBe(2);
    expect(result.err).toContain(message);
    expect(pinpoint.requests).toHaveLength(0);
  });

  test('--at schedules it; --dry-run prints the exact request and creates nothing', async () => {
    const result = await ops(['send', '--template', 'hello_world', '--at', '2030-01-04T09:00:00Z', '--dry-run', '--channel', 'whatsapp', '--project-id', PROJECT_ID]);
    expect(result.code).toBe(0);
    expect(pinpoint.requests).toHaveLength(0);
    expect(JSON.parse(result.out.replace(/^CreateCampaign /, ''))).toMatchObject({
      ApplicationId: PROJECT_ID, WriteCampaignRequest: { Schedule: { StartTime: '2030-01-04T09:00:00.000Z', Frequency: 'ONCE' } },
    });
  });
});

describe('ops send --to: one test message through the deployed function', () => {
  test('invokes the function with a one-endpoint event for that number only, and prints its outcome masked', async () => {
    // GIVEN a deployed WhatsApp function that delivers
    lambda.invoke = (event) => Object.fromEntries(Object.keys((event as { Endpoints: object }).Endpoints)
      .map((id) => [id, { EventAttributes: { status: 'delivered', message_id: 'wamid.test1', attempts: '1' } }]));
    // WHEN the operator sends a test message
    const result = await ops(['send', '--to', '+1 555 010 0042', '--template', 'hello_world', '--user-attr', 'FirstName=Ana']);
    // THEN exactly one endpoint, with that number, went to the function; no campaign was created
    expect(result).toMatchObject({ code: 0, err: '', out: 'test send to ***0042: delivered (message id wamid.test1)' });
    expect(lambda.invocations).toHaveLength(1);
    const event = lambda.invocations[0] as { Data: string; Endpoints: Record<string, { Address: string; User: unknown }> };
    expect(Object.values(event.Endpoints)).toEqual([expect.objectContaining({ Address: '+15550100042', User: { UserAttributes: { FirstName: ['Ana'] } } })]);
    expect(JSON.parse(event.Data)).toMatchObject({ type: 'template', template: { name: 'hello_world' } });
    expect(pinpoint.requests).toHaveLength(0);
  });

  test('a failed test send exits 1 with the provider\'s code', async () => {
    lambda.invoke = () => ({ 'ops-test-send': { EventAttributes: { status: 'failed', error_code: '131026', reason: 'undeliverable', attempts: '1' } } });
    const result = await ops(['send', '--to', '+15550100042', '--template', 'hello_world']);
    expect(result).toMatchObject({ code: 1, out: 'test send to ***0042: failed (131026, undeliverable)' });
  });

  test('on a Messenger deployment it builds Messenger\'s message, and puts the PSID where the function reads it', async () => {
    lambda.environment = { CHANNEL: 'messenger', MESSENGER_PSID_ATTRIBUTE: 'psid' };
    lambda.invoke = () => ({ 'ops-test-send': { EventAttributes: { status: 'delivered', message_id: 'm_1', attempts: '1' } } });
    const result = await ops(['send', '--to', '1234567890123', '--text', 'Hello there']);
    expect(result.code).toBe(0);
    const event = lambda.invocations[0] as { Data: string; Endpoints: Record<string, { User: { UserAttributes: Record<string, string[]> } }> };
    expect(JSON.parse(event.Data)).toEqual({ messaging_type: 'UPDATE', message: { text: 'Hello there' } });
    expect(event.Endpoints['ops-test-send'].User.UserAttributes.psid).toEqual(['1234567890123']);
  });

  test.each([
    [{ CHANNEL: 'messenger' }, ['--template', 'hello_world', '--now'], '--template and --param are for WhatsApp; Messenger sends --text'],
    [{ CHANNEL: 'metrics' }, ['--template', 'hello_world', '--now'], 'the deployed function is the metrics channel, which sends nothing'],
    [{ CHANNEL: 'whatsapp' }, ['--template', 'hello_world', '--now', '--param', ''], '--param number 1 is empty; WhatsApp refuses empty template parameters'],
    [{ CHANNEL: 'whatsapp' }, ['--template', 'hello_world', '--to', 'nobody'], '--to must be a phone number (E.164, such as +15551234567)'],
  ])('on a %j deployment, %j is refused in one line, with no campaign and no invocation', async (environment, flags, message) => {
    lambda.environment = environment;
    const result = await ops(['send', ...flags]);
    expect(result).toMatchObject({ code: 2, err: `ops send: ${message}` });
    expect(pinpoint.requests).toHaveLength(0);
    expect(lambda.invocations).toHaveLength(0);
  });

  test('--dry-run prints the invocation with the number masked, and calls nothing', async () => {
    const result = await ops(['send', '--to', '+15550100042', '--template', 'hello_world', '--channel', 'whatsapp', '--dry-run']);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^Invoke \{"FunctionName":"<DeliveryFunctionArn of PinpointCustomChannel-Delivery>"/);
    expect(result.out).toContain('"Address":"+***0042"');
    expect(result.out).not.toContain('15550100042');
    expect(lambda.invocations).toHaveLength(0);
    expect(cloudFormation.requests).toHaveLength(0);
  });
});

describe('ops connect-test: one message as an Amazon Connect outbound campaign would send it', () => {
  test('invokes the function with a one-profile Connect event the function reads, and prints that profile\'s result masked', async () => {
    // GIVEN a deployed WhatsApp function answering Connect
    lambda.invoke = () => ({ Items: { CustomerProfiles: [{ Id: 'ops-connect-test', ResultData: { status: 'delivered', messageId: 'wamid.c1', attempts: '1' } }] } });
    // WHEN the operator runs the test
    const result = await ops(['connect-test', '--to', '+1 555 010 0042', '--first-name', 'Ana', '--attr', 'Item=boots', '--campaign-name', 'Spring reminder']);
    // THEN one event, of Connect's shape, with that number and those values, and the outcome printed masked
    expect(result).toMatchObject({ code: 0, err: '', out: 'connect test to ***0042: delivered (message id wamid.c1)' });
    expect(lambda.invocations).toHaveLength(1);
    const parsed = parseConnectEvent(lambda.invocations[0]);
    expect(parsed.ok && parsed.event.context).toMatchObject({ campaignName: 'Spring reminder', actionId: 'ops-connect-test' });
    const profile = parsed.ok ? JSON.parse(parsed.event.profiles[0].customerData) : undefined;
    expect(profile).toEqual({ FirstName: 'Ana', PhoneNumber: '+15550100042', Attributes: { Item: 'boots' } });
    expect(renderForProfile({ type: 'text', text: { body: '{{Profile.FirstName}}: {{Profile.Attributes.Item}}' } }, profile)).toEqual({
      ok: true, message: { type: 'text', text: { body: 'Ana: boots' } },
    });
  });

  test('each run has its own idempotency token, so that a repeat test sends again', async () => {
    lambda.invoke = () => ({ Items: { CustomerProfiles: [{ Id: 'ops-connect-test', ResultData: { status: 'queued', attempts: '0' } }] } });
    await ops(['connect-test', '--to', '+15550100042']);
    await ops(['connect-test', '--to', '+15550100042']);
    const tokens = lambda.invocations.map((event) => (event as { Items: { CustomerProfiles: { IdempotencyToken: string }[] } }).Items.CustomerProfiles[0].IdempotencyToken);
    expect(new Set(tokens).size).toBe(2);
  });

  test('a function deployed for Pinpoint is named as the likely cause; a failure exits 1', async () => {
    lambda.invoke = () => ({ 'ops-connect-test': { EventAttributes: { status: 'failed' } } });
    expect(await ops(['connect-test', '--to', '+15550100042'])).toMatchObject({
      code: 1, err: 'ops connect-test: the function did not answer in Connect\'s shape: is it deployed with trigger=connect?',
    });
    lambda.invoke = () => ({ Items: { CustomerProfiles: [{ Id: 'ops-connect-test', ResultData: { status: 'failed', errorCode: 'unknown_campaign', attempts: '0' } }] } });
    expect(await ops(['connect-test', '--to', '+15550100042'])).toMatchObject({ code: 1, out: 'connect test to ***0042: failed (unknown_campaign)' });
  });

  test('--dry-run prints the event with the number masked, and calls nothing', async () => {
    const result = await ops(['connect-test', '--to', '+15550100042', '--channel', 'whatsapp', '--dry-run']);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^Invoke \{"FunctionName":"<DeliveryFunctionArn of PinpointCustomChannel-Delivery>","Payload":\{"InvocationMetadata"/);
    expect(result.out).toContain('+***0042');
    expect(result.out).not.toContain('15550100042');
    expect(lambda.invocations).toHaveLength(0);
    expect(cloudFormation.requests).toHaveLength(0);
  });

  test('a number that is not one is refused in one line, with no invocation', async () => {
    expect(await ops(['connect-test', '--to', 'nobody'])).toMatchObject({ code: 2, err: 'ops connect-test: --to must be a phone number (E.164, such as +15551234567)' });
    expect(lambda.invocations).toHaveLength(0);
  });
});

describe('ops status', () => {
  test('shows the campaign\'s state, its runs, and what the functions reported, from both log groups', async () => {
    // GIVEN a campaign, and the function's logs summing to these outcomes
    await ops(['send', '--template', 'hello_world', '--now', '--name', 'Hello']);
    const id = [...pinpoint.campaigns.keys()].at(-1)!;
    logs.result = { delivered: '110', queued: '7', retrying: '5', failed: '3', skipped: '2', alreadyDelivered: '4', batches: '3' };
    // WHEN status runs
    const result = await ops(['status', '--campaign', id, '--days', '3']);
    // THEN one Logs Insights query on Pinpoint's function's and the worker's log groups, over 3 days, and every figure printed
    expect(result).toMatchObject({ code: 0, err: '' });
    const [query] = logs.queries.slice(-1) as { logGroupNames: string[]; queryString: string; startTime: number; endTime: number }[];
    expect(query).toMatchObject({ logGroupNames: ['delivery-logs', 'worker-logs'], queryString: outcomeQuery(id) });
    expect(query.endTime - query.startTime).toBe(3 * 86_400);
    expect(result.out.split('\n')).toEqual([
      `campaign ${id} "Hello": SCHEDULED`,
      '  schedule: IMMEDIATE, ONCE',
      '  run activity1 COMPLETED: 120 endpoints, 118 handed to the function, 2026-11-23T10:00:05Z to 2026-11-23T10:00:40Z',
      '  reported by the functions (last 3 days, 3 batches): 110 delivered (4 of them earlier), 7 queued, 5 retrying, 3 failed, 2 skipped',
    ]);
  });

  test('a stack without a worker (the metrics channel, or deployed before the job queue) is queried on Pinpoint\'s function\'s log group alone', async () => {
    await ops(['send', '--template', 'hello_world', '--now', '--name', 'Hello']);
    const id = [...pinpoint.campaigns.keys()].at(-1)!;
    const outputs = cloudFormation.stacks['PinpointCustomChannel-Delivery'];
    const { WorkerLogGroupName, ...withoutWorker } = outputs;
    cloudFormation.stacks['PinpointCustomChannel-Delivery'] = withoutWorker;
    try {
      const result = await ops(['status', '--campaign', id]);
      expect(result).toMatchObject({ code: 0, err: '' });
      expect(logs.queries.at(-1)).toMatchObject({ logGroupNames: ['delivery-logs'] });
    } finally {
      cloudFormation.stacks['PinpointCustomChannel-Delivery'] = { ...withoutWorker, WorkerLogGroupName };
    }
  });

  test('an unknown campaign is one clear line', async () => {
    const result = await ops(['status', '--campaign', 'a'.repeat(32)]);
    expect(result).toMatchObject({ code: 1, err: `ops status: campaign ${'a'.repeat(32)} was not found in project ${PROJECT_ID}` });
  });
});

describe('every command', () => {
  test.each(['set-token', 'add-endpoint', 'import-endpoints', 'send', 'status', 'connect-test'])('%s --help prints its usage and exits 0', async (command) => {
    const result = await ops([command, '--help']);
    expect(result).toMatchObject({ code: 0, err: '' });
    expect(result.out).toMatch(new RegExp(`^Usage: .*npm run ops -- ${command} `));
  });

  test.each([
    ['import-endpoints', () => ['--file', csvFile('address\n+15550100001\n+15550100002\n')], 'UpdateEndpointsBatch '],
    ['status', () => ['--campaign', 'a'.repeat(32)], 'GetCampaign '],
  ])('%s --dry-run prints the requests and sends nothing to Pinpoint or CloudWatch Logs', async (command, flags, first) => {
    const queries = logs.queries.length;
    const result = await ops([command, ...flags(), '--dry-run']);
    expect(result.code).toBe(0);
    expect(result.out.startsWith(first)).toBe(true);
    expect(pinpoint.requests).toHaveLength(0);
    expect(logs.queries).toHaveLength(queries);
  });
});

describe('npm run ops as a command', () => {
  /** Runs cli/ops.ts as `npm run ops` does, with the standard AWS endpoint variables pointing at the stand-ins. */
  function command(argv: string[], stdin = '', bareEnvironment = false): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = execFile(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', '..', 'cli', 'ops.ts'), ...argv], {
        env: bareEnvironment ? { PATH: process.env.PATH, HOME: os.tmpdir(), AWS_EC2_METADATA_DISABLED: 'true' } : {
          PATH: process.env.PATH, AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'AKIDTESTONLY', AWS_SECRET_ACCESS_KEY: 'test-only',
          AWS_EC2_METADATA_DISABLED: 'true', AWS_ENDPOINT_URL_CLOUDFORMATION: cloudFormation.endpoint,
          AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url, AWS_ENDPOINT_URL_PINPOINT: pinpoint.endpoint, NODE_NO_WARNINGS: '1',
        },
        timeout: 30_000,
      }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
      child.stdin!.end(stdin);
    });
  }

  test('every dry run works with no AWS region, no credentials and nothing deployed', async () => {
    const csv = csvFile('address\n+15550100001\n');
    const runs = await Promise.all([
      command(['set-token', '--dry-run'], TOKEN, true),
      command(['add-endpoint', '--address', '+15550100007', '--dry-run'], '', true),
      command(['import-endpoints', '--file', csv, '--dry-run'], '', true),
      command(['send', '--template', 'hello_world', '--now', '--channel', 'whatsapp', '--dry-run'], '', true),
      command(['send', '--to', '+15550100007', '--template', 'hello_world', '--channel', 'whatsapp', '--dry-run'], '', true),
      command(['status', '--campaign', 'a'.repeat(32), '--dry-run'], '', true),
    ]);
    for (const run of runs) expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(runs.map((run) => run.stdout.split(' ')[0])).toEqual(['PutSecretValue', 'UpdateEndpointsBatch', 'UpdateEndpointsBatch', 'CreateCampaign', 'Invoke', 'GetCampaign']);
  }, 60_000);

  test('an unknown flag is one line, not the whole help', async () => {
    const result = await command(['send', '--templte', 'x'], '', true);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringContaining("ops send: Unknown option '--templte'")]);
  });

  test('add-endpoint reaches Pinpoint through AWS_ENDPOINT_URL_PINPOINT; bad input exits 2 with one line', async () => {
    const ok = await command(['add-endpoint', '--address', '+15550100042']);
    expect(ok).toMatchObject({ code: 0, stderr: '' });
    expect(pinpoint.requests.map((r) => r.path)).toEqual([`/v1/apps/${PROJECT_ID}/endpoints`]);
    const bad = await command(['add-endpoint', '--address', 'nobody']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });

  test('reads the token piped into it and uses the standard AWS endpoint variables', async () => {
    const result = await command(['set-token'], TOKEN);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(secrets.puts).toEqual([{ SecretId: SECRET_ARN, SecretString: JSON.stringify({ accessToken: TOKEN }), ClientRequestToken: expect.any(String) }]);
  });
});
