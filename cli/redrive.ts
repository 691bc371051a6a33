/**
 * npm run redrive -- --queue-url URL [--dry-run] [--max N] [--include-permanent] [--include-uncertain]
 *
 * The command line of the redrive (cli/redrive/run.ts): its flags, their defaults from the
 * function's environment variables, and the wiring of the same adapters the function uses.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { PowertoolsDeliveryGuard } from '../lambda/adapters/dynamodb-delivery-guard';
import { SecretsManagerTokenSource } from '../lambda/adapters/secrets-manager-token-source';
import { DEFAULT_CHANNEL, DEFAULT_IDEMPOTENCY_TTL_SECONDS, type DeliveryChannel, ENV } from '../lambda/contract';
import { EnvReader } from '../lambda/config';
import type { DeliveryLogger } from '../lambda/domain';
import { createProvider, type ProviderConfig } from '../lambda/providers';
import { type MoveTaskOptions, redriveDeadLetters } from './redrive/move-task';
import { type RedriveOptions, runRedrive } from './redrive/run';
import { describeFailure, EXIT, type FlagValues, parseFlags, UsageError } from './shared/usage';

export { UsageError };

const USAGE = `Usage: npm run redrive -- --dead-letter-queue-url URL --job-queue-url URL [--dry-run] [--include-permanent] [--include-uncertain]
       npm run redrive -- --queue-url URL [--dry-run] [--max N] [--include-permanent] [--include-uncertain]
    [--token-secret-arn ARN] [--idempotency-table NAME] [--channel whatsapp|messenger]
    [--phone-number-id ID] [--page-id ID] [--graph-api-version v25.0] [--graph-api-base-url URL]

With --dead-letter-queue-url (the JobDeadLetterQueueUrl output) and --job-queue-url (JobQueueUrl), it
moves the job queue's dead-letter queue back to the job queue with SQS's own move task, holding back
uncertain jobs (the provider may have delivered them) and permanent ones unless asked; --dry-run
counts them by error code.
With --queue-url (the ParkingQueueUrl output), it resends parked deliveries and deletes each one once it is delivered. Left in the queue unless asked:
permanent failures (--include-permanent) and uncertain ones, whose request went unanswered so that
WhatsApp may have delivered them (--include-uncertain; check the delivery webhooks first).
The channel (default whatsapp), token secret ARN, phone number id (WhatsApp), page id (Messenger,
default me) and idempotency table default to ${ENV.channel}, ${ENV.tokenSecretArn}, ${ENV.whatsappPhoneNumberId},
${ENV.messengerPageId} and ${ENV.idempotencyTableName}; the delivery stack's outputs (ParkingQueueUrl,
TokenSecretArn, IdempotencyTableName) give their values. With the table, an endpoint that a later
invocation already delivered is deleted from the queue instead of being sent twice. AWS credentials and region
come from the standard AWS environment. Exit code: 0 all done, 1 something failed or was left unread, 2 bad input.`;

/** Flag to the function's environment variable it stands for: the provider settings are read exactly as the function reads them. */
const FLAG_TO_ENV = {
  channel: ENV.channel,
  'token-secret-arn': ENV.tokenSecretArn,
  'phone-number-id': ENV.whatsappPhoneNumberId,
  'page-id': ENV.messengerPageId,
  'graph-api-version': ENV.graphApiVersion,
  'graph-api-base-url': ENV.graphApiBaseUrl,
  'idempotency-table': ENV.idempotencyTableName,
} as const;

export interface DeadLetterRedriveCommand extends MoveTaskOptions {
  readonly kind: 'dead-letters';
}

export interface RedriveCommand extends RedriveOptions {
  readonly kind?: 'parking';
  readonly tokenSecretArn: string;
  readonly provider: ProviderConfig;
  readonly idempotencyTable?: string;
}

/** Parses the command line; throws a UsageError naming what is wrong, or with an empty message for --help. */
/** Either redrive: the job queue's dead-letter queue (with --dead-letter-queue-url), or the parking queue. */
export function parseCommand(argv: string[], env: NodeJS.ProcessEnv): RedriveCommand | DeadLetterRedriveCommand {
  if (!argv.some((arg) => arg.startsWith('--dead-letter-queue-url'))) return parseRedriveArgs(argv, env);
  const values = parseFlags(argv, {
    'dead-letter-queue-url': { type: 'string' }, 'job-queue-url': { type: 'string' }, 'dry-run': { type: 'boolean' },
    'include-permanent': { type: 'boolean' }, 'include-uncertain': { type: 'boolean' },
  });
  return deadLetterCommand(values);
}

/** The parking queue's redrive. */
export function parseRedriveArgs(argv: string[], env: NodeJS.ProcessEnv): RedriveCommand {
  const values = parseFlags(argv, {
    'queue-url': { type: 'string' }, 'dry-run': { type: 'boolean' }, max: { type: 'string' },
    'include-permanent': { type: 'boolean' }, 'include-uncertain': { type: 'boolean' }, help: { type: 'boolean' },
    ...Object.fromEntries(Object.keys(FLAG_TO_ENV).map((flag) => [flag, { type: 'string' as const }])),
  });
  if (values.help) throw new UsageError('');
  const queueUrl = values['queue-url'];
  if (typeof queueUrl !== 'string' || !/^https?:\/\/\S+$/.test(queueUrl)) throw new UsageError('--queue-url is required: the ParkingQueueUrl output of the delivery stack');
  const max = values.max === undefined ? Number.MAX_SAFE_INTEGER : Number(values.max);
  if (!Number.isInteger(max) || max < 1) throw new UsageError('--max must be a whole number of at least 1');
  const dryRun = values['dry-run'] === true;

  // Flags win over the environment; both go through the function's own reader.
  const settings: Record<string, string | undefined> = {};
  for (const [flag, name] of Object.entries(FLAG_TO_ENV)) settings[name] = (values[flag] as string | undefined) ?? env[name];
  const channel = settings[ENV.channel] ?? DEFAULT_CHANNEL;
  if (channel !== 'whatsapp' && channel !== 'messenger') throw new UsageError('--channel must be whatsapp or messenger (the metrics channel parks nothing)');
  const read = new EnvReader(settings);
  const provider = read.provider(channel as DeliveryChannel);
  const tokenSecretArn = settings[ENV.tokenSecretArn] ?? '';
  const idempotencyTable = settings[ENV.idempotencyTableName] || undefined;
  if (!dryRun && !/^arn:[\w-]+:secretsmanager:/.test(tokenSecretArn)) throw new UsageError('--token-secret-arn (or TOKEN_SECRET_ARN) must be the ARN of the token secret');
  // A dry run sends nothing, so it needs no phone number id.
  const problems = read.problems.filter((problem) => !(dryRun && problem.startsWith(ENV.whatsappPhoneNumberId)));
  if (problems.length > 0) throw new UsageError(problems.map(flagNames).join('; '));
  return {
    queueUrl, dryRun, max, includePermanent: values['include-permanent'] === true, includeUncertain: values['include-uncertain'] === true,
    tokenSecretArn, provider, idempotencyTable,
  };
}

function deadLetterCommand(values: FlagValues): DeadLetterRedriveCommand {
  const url = (flag: string, output: string) => {
    const value = values[flag];
    if (typeof value !== 'string' || !/^https?:\/\/\S+$/.test(value)) throw new UsageError(`--${flag} is required: the ${output} output of the delivery stack`);
    return value;
  };
  return {
    kind: 'dead-letters', deadLetterQueueUrl: url('dead-letter-queue-url', 'JobDeadLetterQueueUrl'), jobQueueUrl: url('job-queue-url', 'JobQueueUrl'),
    dryRun: values['dry-run'] === true, includePermanent: values['include-permanent'] === true, includeUncertain: values['include-uncertain'] === true,
  };
}

/** The reader's problems name environment variables; the operator typed flags, so name both. */
function flagNames(problem: string): string {
  const entry = Object.entries(FLAG_TO_ENV).find(([, name]) => problem.startsWith(name));
  return entry ? `--${entry[0]} (or ${problem})` : problem;
}

/** Logs the core's per-endpoint lines quietly: the command prints its own progress and summary. */
const quietLogger: DeliveryLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: (message) => console.error(message) };

async function main(): Promise<number> {
  let options: RedriveCommand | DeadLetterRedriveCommand;
  try {
    options = parseCommand(process.argv.slice(2), process.env);
  } catch (error) {
    if (error instanceof UsageError && error.message === '') {
      console.log(USAGE);
      return EXIT.ok;
    }
    const { line, exitCode } = describeFailure(error);
    console.error(`redrive: ${line}`);
    return exitCode;
  }
  if (options.kind === 'dead-letters') {
    await redriveDeadLetters(options, new SQSClient({}), (line) => console.log(line));
    return EXIT.ok;
  }
  if (!options.idempotencyTable && !options.dryRun) {
    console.error('note: no --idempotency-table, so an endpoint a later invocation already delivered would be sent again');
  }
  const summary = await runRedrive(options, {
    sqs: new SQSClient({}),
    provider: createProvider(options.provider),
    tokens: new SecretsManagerTokenSource(options.tokenSecretArn, 300),
    print: (line) => console.log(line),
    logger: quietLogger,
    guard: options.idempotencyTable ? new PowertoolsDeliveryGuard(options.idempotencyTable, DEFAULT_IDEMPOTENCY_TTL_SECONDS) : undefined,
  });
  return summary.failed > 0 || summary.unreadable > 0 ? EXIT.failed : EXIT.ok;
}

if (require.main === module) {
  main().then((code) => { process.exitCode = code; }, (error: unknown) => {
    // Expected AWS failures (no credentials, no access, no such queue) get one line, not a stack trace.
    console.error(`redrive failed: ${describeFailure(error).line}`);
    process.exitCode = EXIT.failed;
  });
}
