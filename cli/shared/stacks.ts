/** The deployed stacks' outputs, found by stack name, and the flags every ops command shares. */
import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DEFAULT_STACK_NAME_PREFIX, STACK_NAME_PREFIX_PATTERN, STACK_OUTPUT, STACK_SUFFIX } from '../../lambda/contract';
import type { OpsClients } from './io';
import { CommandError, type FlagValues, parseFlags, UsageError } from './usage';
import type { ParseArgsConfig } from 'node:util';

/** Parses a command's flags, with --stack-prefix, --dry-run and --help added. */
export function flags(argv: string[], options: NonNullable<ParseArgsConfig['options']>): FlagValues {
  return parseFlags(argv, { ...options, 'stack-prefix': { type: 'string' }, 'dry-run': { type: 'boolean' }, help: { type: 'boolean' } });
}

export function stackPrefix(values: FlagValues, env: NodeJS.ProcessEnv): string {
  const prefix = (values['stack-prefix'] as string | undefined) ?? env.STACK_NAME_PREFIX ?? DEFAULT_STACK_NAME_PREFIX;
  if (!STACK_NAME_PREFIX_PATTERN.test(prefix)) throw new UsageError(`--stack-prefix must be a stack name prefix, got "${prefix}"`);
  return prefix;
}

export const deliveryStack = (values: FlagValues, env: NodeJS.ProcessEnv) => `${stackPrefix(values, env)}${STACK_SUFFIX.delivery}`;
export const campaignStack = (values: FlagValues, env: NodeJS.ProcessEnv) => `${stackPrefix(values, env)}${STACK_SUFFIX.campaign}`;

/** One output of a deployed stack, or an error saying which stack or output is missing. */
export async function stackOutput(client: CloudFormationClient, stackName: string, outputKey: string): Promise<string> {
  let stacks;
  try {
    ({ Stacks: stacks } = await client.send(new DescribeStacksCommand({ StackName: stackName })));
  } catch (error) {
    if ((error as Error).name === 'ValidationError') {
      throw new CommandError(`stack ${stackName} was not found: deploy it first, or pass the --stack-prefix it was deployed with`);
    }
    throw error;
  }
  const value = stacks?.[0]?.Outputs?.find((output) => output.OutputKey === outputKey)?.OutputValue;
  if (!value) throw new CommandError(`stack ${stackName} has no ${outputKey} output (is it a stack of this app, deployed with this version?)`);
  return value;
}

/**
 * A stack output, or for a dry run that was not given the id as a flag, a placeholder naming it: a
 * dry run makes no AWS call, so it works before anything is deployed and without credentials.
 */
export async function outputOrPlaceholder(values: FlagValues, aws: () => OpsClients, stackName: string, outputKey: string): Promise<string> {
  if (values['dry-run']) return `<${outputKey} of ${stackName}>`;
  return stackOutput(aws().cloudFormation, stackName, outputKey);
}

/** The project: --project-id, or the campaign stack's ProjectId output. */
export async function projectId(values: FlagValues, env: NodeJS.ProcessEnv, aws: () => OpsClients): Promise<string> {
  const explicit = values['project-id'] as string | undefined;
  if (explicit !== undefined) {
    if (!/^[0-9a-f]{32}$/.test(explicit)) throw new UsageError(`--project-id must be a 32-character Pinpoint project id, got "${explicit}"`);
    return explicit;
  }
  return outputOrPlaceholder(values, aws, campaignStack(values, env), STACK_OUTPUT.projectId);
}

