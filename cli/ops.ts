/**
 * npm run ops -- <command> [options]
 *
 * Operator commands for a deployed custom channel, one file each in cli/commands/. Ids come from the
 * stacks' outputs, looked up by stack name, so nothing has to be copied by hand. Region and
 * credentials come from the standard AWS environment (AWS_PROFILE, AWS_REGION, ...). Every command
 * has --help and --dry-run, and follows cli/shared/usage.ts: one-line errors, exit 2 for bad input
 * and 1 for AWS refusals.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { PinpointClient } from '@aws-sdk/client-pinpoint';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { addEndpoint } from './commands/add-endpoint';
import { connectTest } from './commands/connect-test';
import { importEndpoints } from './commands/import-endpoints';
import { send } from './commands/send';
import { setToken } from './commands/set-token';
import { status } from './commands/status';
import type { OpsClients, OpsCommand, OpsIo } from './shared/io';
import { describeFailure, EXIT, UsageError } from './shared/usage';

export { outcomeQuery } from './commands/status';
export { endpointsFromCsv } from './shared/csv';
export type { OpsClients, OpsIo };

const COMMANDS: Readonly<Record<string, OpsCommand>> = {
  'set-token': setToken, 'add-endpoint': addEndpoint, 'import-endpoints': importEndpoints, send, status, 'connect-test': connectTest,
};

const GLOBAL_HELP = `Usage: npm run ops -- <command> [options]

Commands:
  set-token          Store the provider token (read from standard input) in the deployed secret
  add-endpoint       Create or update one CUSTOM endpoint
  import-endpoints   Create or update CUSTOM endpoints from a CSV file
  send               Start a campaign that sends a WhatsApp template through the custom channel
  status             A campaign's state, its runs, and what the function reported
  connect-test       Send one message as an Amazon Connect outbound campaign would (trigger=connect)

Options for every command:
  --stack-prefix NAME   the stackNamePrefix the app was deployed with (default PinpointCustomChannel,
                        or STACK_NAME_PREFIX)
  --dry-run             print the exact request instead of sending it
  --help                this text, or a command's own

Region and credentials come from the standard AWS environment (AWS_PROFILE, AWS_REGION, ...).`;

export async function runOps(argv: string[], env: NodeJS.ProcessEnv, io: OpsIo, clients: () => OpsClients): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === 'help') {
    io.out(GLOBAL_HELP);
    return command === undefined ? EXIT.usage : EXIT.ok;
  }
  try {
    const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
    if (!run) throw new UsageError(`unknown command "${command}"; the commands are ${Object.keys(COMMANDS).join(', ')} (see --help)`);
    // Built on first use, so a dry run (which needs no AWS) never builds them.
    let built: OpsClients | undefined;
    return await run(rest, env, io, () => (built ??= clients()));
  } catch (error) {
    const { line, exitCode } = describeFailure(error);
    io.err(`ops ${command}: ${line}`);
    return exitCode;
  }
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
  }, () => ({
    cloudFormation: new CloudFormationClient({}), secretsManager: new SecretsManagerClient({}), pinpoint: new PinpointClient({}), logs: new CloudWatchLogsClient({}), lambda: new LambdaClient({}),
  }));
}

if (require.main === module) void main();
