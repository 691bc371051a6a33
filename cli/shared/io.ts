/** What the operator commands read and write, and the AWS clients they use: passed in, so tests give stand-ins. */
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { PinpointClient } from '@aws-sdk/client-pinpoint';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

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
  readonly pinpoint: PinpointClient;
  readonly logs: CloudWatchLogsClient;
  readonly lambda: LambdaClient;
}

/** One command: its arguments after the command's name, and what it may use. Returns the exit code. */
export type OpsCommand = (argv: string[], env: NodeJS.ProcessEnv, io: OpsIo, clients: () => OpsClients) => Promise<number>;
