/**
 * npm run ops -- <command> [options]
 *
 * Operator commands for a deployed custom channel. Ids come from the stacks' outputs, looked up by
 * stack name, so nothing has to be copied by hand. Region and credentials come from the standard AWS
 * environment (AWS_PROFILE, AWS_REGION, ...). Every command has --help and --dry-run.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** A failure the operator can fix (bad input, a missing stack, an AWS refusal): one line, no stack trace. */
export class OpsError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = 'OpsError';
  }
}

export interface OpsIo {
  /** Everything on standard input (the token for set-token). */
  readStdin(): Promise<string>;
  /** Whether standard input is a terminal (then the user is told how to end the input). */
  readonly stdinIsTty: boolean;
  out(line: string): void;
  err(line: string): void;
}

export interface OpsClients {
  readonly cloudFormation: CloudFormationClient;
  readonly secretsManager: SecretsManagerClient;
}

const GLOBAL_HELP = `Usage: npm run ops -- <command> [options]

Commands:
  set-token    Store the provider token (read from standard input) in the deployed secret

Options for every command:
  --stack-prefix NAME   the stackNamePrefix the app was deployed with (default PinpointCustomChannel,
                        or STACK_NAME_PREFIX)
  --dry-run             print the exact request instead of sending it
  --help                this text, or a command's own

Region and credentials come from the standard AWS environment (AWS_PROFILE, AWS_REGION, ...).`;

const SET_TOKEN_HELP = `Usage: printf '%s' "$TOKEN" | npm run ops -- set-token [--secret-arn ARN] [--stack-prefix NAME] [--dry-run]

Reads the token from standard input, never from an argument, so that it does not land in your shell
history, and stores it in the deployed secret as {"accessToken": "..."}. The secret is the delivery
stack's TokenSecretArn output, unless --secret-arn names another. The function picks the new token up
within 5 minutes, or at once when the provider rejects the old one.`;

export async function runOps(argv: string[], env: NodeJS.ProcessEnv, io: OpsIo, clients: () => OpsClients): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'set-token':
        return await setToken(rest, env, io, clients);
      case undefined:
      case '--help':
      case 'help':
        io.out(GLOBAL_HELP);
        return command === undefined ? 2 : 0;
      default:
        throw new OpsError(`unknown command "${command}"\n\n${GLOBAL_HELP}`, 2);
    }
  } catch (error) {
    if (error instanceof OpsError) {
      io.err(`ops ${command ?? ''}: ${error.message}`);
      return error.exitCode;
    }
    const { name, message } = error as Error;
    // AWS refusals (no credentials, access denied, throttling) are expected: one line is enough.
    io.err(`ops ${command}: ${name}: ${message}`);
    return 1;
  }
}

/** Parses a command's flags; an unknown or malformed flag is a usage error naming it. */
function flags(argv: string[], options: NonNullable<ParseArgsConfig['options']>, help: string) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...options, 'stack-prefix': { type: 'string' }, 'dry-run': { type: 'boolean' }, help: { type: 'boolean' } }, strict: true });
  } catch (error) {
    throw new OpsError(`${(error as Error).message}\n\n${help}`, 2);
  }
  return parsed.values as Record<string, string | boolean | undefined>;
}

function stackPrefix(values: Record<string, unknown>, env: NodeJS.ProcessEnv): string {
  const prefix = (values['stack-prefix'] as string | undefined) ?? env.STACK_NAME_PREFIX ?? 'PinpointCustomChannel';
  if (!/^[A-Za-z][A-Za-z0-9-]{0,100}$/.test(prefix)) throw new OpsError(`--stack-prefix must be a stack name prefix, got "${prefix}"`, 2);
  return prefix;
}

/** One output of a deployed stack, or an error saying which stack or output is missing. */
export async function stackOutput(client: CloudFormationClient, stackName: string, outputKey: string): Promise<string> {
  let stacks;
  try {
    ({ Stacks: stacks } = await client.send(new DescribeStacksCommand({ StackName: stackName })));
  } catch (error) {
    if ((error as Error).name === 'ValidationError') {
      throw new OpsError(`stack ${stackName} was not found: deploy it first, or pass the --stack-prefix it was deployed with`);
    }
    throw error;
  }
  const value = stacks?.[0]?.Outputs?.find((output) => output.OutputKey === outputKey)?.OutputValue;
  if (!value) throw new OpsError(`stack ${stackName} has no ${outputKey} output (is it a stack of this app, deployed with this version?)`);
  return value;
}

async function setToken(argv: string[], env: NodeJS.ProcessEnv, io: OpsIo, clients: () => OpsClients): Promise<number> {
  const values = flags(argv, { 'secret-arn': { type: 'string' } }, SET_TOKEN_HELP);
  if (values.help) {
    io.out(SET_TOKEN_HELP);
    return 0;
  }
  const explicitArn = values['secret-arn'] as string | undefined;
  if (explicitArn !== undefined && !/^arn:[\w-]+:secretsmanager:[\w-]+:\d{12}:secret:.+$/.test(explicitArn)) {
    throw new OpsError(`--secret-arn must be the ARN of a Secrets Manager secret, got "${explicitArn}"`, 2);
  }
  if (io.stdinIsTty) io.err('Paste the token, then press Enter and Ctrl-D:');
  const token = (await io.readStdin()).trim();
  if (token === '') throw new OpsError('no token on standard input: pipe it in, for example printf \'%s\' "$TOKEN" | npm run ops -- set-token', 2);
  if (/\s/.test(token)) throw new OpsError('the token on standard input contains white space; a Meta access token is one word', 2);

  const aws = clients();
  const secretArn = explicitArn ?? await stackOutput(aws.cloudFormation, `${stackPrefix(values, env)}-Delivery`, 'TokenSecretArn');
  const request = { SecretId: secretArn, SecretString: JSON.stringify({ accessToken: token }) };
  if (values['dry-run']) {
    // The exact request, with the token itself left out: a dry run's output may be pasted anywhere.
    io.out(`PutSecretValue ${JSON.stringify({ ...request, SecretString: `{"accessToken":"<the ${token.length} characters read from standard input>"}` })}`);
    return 0;
  }
  const { VersionId: versionId } = await aws.secretsManager.send(new PutSecretValueCommand(request));
  io.out(`Stored the token in ${secretArn} (version ${versionId}). The function uses it within 5 minutes, `
    + 'or at once if the provider rejects the token it has.');
  return 0;
}

async function main(): Promise<void> {
  const readStdin = async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  };
  process.exitCode = await runOps(process.argv.slice(2), process.env, {
    readStdin,
    stdinIsTty: Boolean(process.stdin.isTTY),
    out: (line) => console.log(line),
    err: (line) => console.error(line),
  }, () => ({ cloudFormation: new CloudFormationClient({}), secretsManager: new SecretsManagerClient({}) }));
}

if (require.main === module) void main();
