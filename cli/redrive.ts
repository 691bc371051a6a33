/**
 * npm run redrive -- --dead-letter-queue-url URL --job-queue-url URL [--dry-run] [--include-permanent] [--include-uncertain]
 *
 * The command line of the redrive (cli/redrive/move-task.ts): its flags, and one line for what is wrong.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { STACK_OUTPUT } from '../lambda/contract';
import { type MoveTaskOptions, redriveDeadLetters } from './redrive/move-task';
import { describeFailure, EXIT, parseFlags, UsageError } from './shared/usage';

export { UsageError };

const USAGE = `Usage: npm run redrive -- --dead-letter-queue-url URL --job-queue-url URL [--dry-run] [--include-permanent] [--include-uncertain]

Moves the jobs in the job queue's dead-letter queue (the ${STACK_OUTPUT.jobDeadLetterQueueUrl} output of the delivery
stack) back to the job queue (${STACK_OUTPUT.jobQueueUrl}) with SQS's own move task, where the worker sends them at pace.
Held back unless asked: permanent failures (--include-permanent; fix the cause first) and uncertain ones,
whose request went unanswered so that the provider may have delivered them (--include-uncertain; check the
delivery webhooks first: each is resent once, under a key of its own). --dry-run moves nothing and counts
the jobs by error code. Deliveries parked by earlier versions are in the same queue and move the same way.
AWS credentials and region come from the standard AWS environment. Exit code: 0 done, 1 AWS refused, 2 bad input.`;

export type RedriveCommand = MoveTaskOptions;

/** Parses the command line; throws a UsageError naming what is wrong, or with an empty message for --help. */
export function parseCommand(argv: string[]): RedriveCommand {
  if (argv.some((arg) => arg === '--queue-url' || arg.startsWith('--queue-url='))) {
    throw new UsageError('--queue-url (the parking queue) is gone: the parking queue is now the job dead-letter queue; '
      + `pass --dead-letter-queue-url <${STACK_OUTPUT.jobDeadLetterQueueUrl}> --job-queue-url <${STACK_OUTPUT.jobQueueUrl}>`);
  }
  const values = parseFlags(argv, {
    'dead-letter-queue-url': { type: 'string' }, 'job-queue-url': { type: 'string' }, 'dry-run': { type: 'boolean' },
    'include-permanent': { type: 'boolean' }, 'include-uncertain': { type: 'boolean' }, help: { type: 'boolean' },
  });
  if (values.help) throw new UsageError('');
  const url = (flag: string, output: string) => {
    const value = values[flag];
    if (typeof value !== 'string' || !/^https?:\/\/\S+$/.test(value)) throw new UsageError(`--${flag} is required: the ${output} output of the delivery stack`);
    return value;
  };
  return {
    deadLetterQueueUrl: url('dead-letter-queue-url', STACK_OUTPUT.jobDeadLetterQueueUrl),
    jobQueueUrl: url('job-queue-url', STACK_OUTPUT.jobQueueUrl),
    dryRun: values['dry-run'] === true,
    includePermanent: values['include-permanent'] === true,
    includeUncertain: values['include-uncertain'] === true,
  };
}

async function main(): Promise<number> {
  let options: RedriveCommand;
  try {
    options = parseCommand(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError && error.message === '') {
      console.log(USAGE);
      return EXIT.ok;
    }
    const { line, exitCode } = describeFailure(error);
    console.error(`redrive: ${line}`);
    return exitCode;
  }
  await redriveDeadLetters(options, new SQSClient({}), (line) => console.log(line));
  return EXIT.ok;
}

if (require.main === module) {
  main().then((code) => { process.exitCode = code; }, (error: unknown) => {
    // Expected AWS failures (no credentials, no access, no such queue) get one line, not a stack trace.
    console.error(`redrive failed: ${describeFailure(error).line}`);
    process.exitCode = EXIT.failed;
  });
}
