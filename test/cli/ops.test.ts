import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { runOps } from '../../cli/ops';
import { CloudFormationServer } from '../support/cloudformation-server';
import { SecretsManagerServer } from '../support/secrets-manager-server';

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:whatsapp/token-AbC123';
const TOKEN = 'test-token-operator-0123456789';
const CREDENTIALS = { accessKeyId: 'AKIDTESTONLY', secretAccessKey: 'test-only' };

let cloudFormation: CloudFormationServer;
let secrets: SecretsManagerServer;

beforeAll(async () => {
  cloudFormation = await CloudFormationServer.start({ 'PinpointCustomChannel-Delivery': { TokenSecretArn: SECRET_ARN } });
  secrets = await SecretsManagerServer.start({ [SECRET_ARN]: '{"accessToken":"placeholder"}' });
});

afterAll(async () => {
  await cloudFormation.stop();
  await secrets.stop();
});

beforeEach(() => {
  secrets.puts.length = 0;
  cloudFormation.requests.length = 0;
});

/** Runs an ops command in-process with the real SDK clients pointed at the local stand-ins. */
async function ops(argv: string[], stdin = '', env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const clients = () => ({
    cloudFormation: new CloudFormationClient({ endpoint: cloudFormation.endpoint, region: 'eu-west-1', credentials: CREDENTIALS }),
    secretsManager: new SecretsManagerClient({ endpoint: secrets.url, region: 'eu-west-1', credentials: CREDENTIALS }),
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

  test('--dry-run prints the exact request without the token, and sends nothing', async () => {
    const result = await ops(['set-token', '--dry-run'], TOKEN);
    expect(result.code).toBe(0);
    expect(secrets.puts).toHaveLength(0);
    expect(result.out).toBe(`PutSecretValue ${JSON.stringify({ SecretId: SECRET_ARN, SecretString: `{"accessToken":"<the ${TOKEN.length} characters read from standard input>"}` })}`);
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

describe('npm run ops as a command', () => {
  test('reads the token piped into it and uses the standard AWS endpoint variables', async () => {
    const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', '..', 'cli', 'ops.ts'), 'set-token'], {
        env: {
          PATH: process.env.PATH, AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'AKIDTESTONLY', AWS_SECRET_ACCESS_KEY: 'test-only',
          AWS_EC2_METADATA_DISABLED: 'true', AWS_ENDPOINT_URL_CLOUDFORMATION: cloudFormation.endpoint,
          AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url, NODE_NO_WARNINGS: '1',
        },
        timeout: 30_000,
      }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
      child.stdin!.end(TOKEN);
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(secrets.puts).toEqual([{ SecretId: SECRET_ARN, SecretString: JSON.stringify({ accessToken: TOKEN }), ClientRequestToken: expect.any(String) }]);
  });
});
