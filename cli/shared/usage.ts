/**
 * The one convention of every operator command: flags parsed strictly, one-line errors, and one
 * exit-code rule (0 done, 1 refused by AWS or not everything done, 2 bad input).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** The command line or an input is wrong; nothing was done. Exit code 2. */
export class UsageError extends Error {
  readonly exitCode = EXIT.usage;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Something the operator can fix outside the command line (a missing stack, a query that failed). Exit code 1. */
export class CommandError extends Error {
  readonly exitCode = EXIT.failed;
  constructor(message: string) {
    super(message);
    this.name = 'CommandError';
  }
}

export type FlagValues = Record<string, string | boolean | string[] | undefined>;

/** Parses `argv` against `options`; an unknown or malformed flag is a UsageError naming it. */
export function parseFlags(argv: string[], options: NonNullable<ParseArgsConfig['options']>): FlagValues {
  try {
    return parseArgs({ args: argv, options, strict: true }).values as FlagValues;
  } catch (error) {
    throw new UsageError(`${(error as Error).message} (see --help)`);
  }
}

/** One line for any failure, and its exit code. AWS refusals (no credentials, access denied) are expected: no stack trace. */
export function describeFailure(error: unknown): { line: string; exitCode: number } {
  if (error instanceof UsageError || error instanceof CommandError) return { line: error.message, exitCode: error.exitCode };
  const { name, message } = error as Error;
  return { line: `${name}: ${message}`, exitCode: EXIT.failed };
}
