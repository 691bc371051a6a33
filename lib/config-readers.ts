/**
 * Readers of CDK context values: each checks one key and names it in a one-line error. Values given
 * with `-c key=value` arrive as strings; values from cdk.json keep their JSON type.
 */
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { graphBaseUrlProblem } from '../lambda/contract';

/** A configuration value is missing or malformed. The message names the context key. */
export class ConfigError extends Error {
  constructor(readonly key: string, expected: string, actual: unknown) {
    super(`Invalid context value for "${key}": expected ${expected}, got ${describe(actual)}. `
      + `Set it in cdk.json or with -c ${key}=...`);
    this.name = 'ConfigError';
  }
}

export type ContextLookup = (key: string) => unknown;

/** Values given with `-c key=value` arrive as strings; values from cdk.json keep their JSON type. */
export function isUnset(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

export function readOptionalString(lookup: ContextLookup, key: string, pattern: RegExp, expected: string): string | undefined {
  const value = lookup(key);
  if (isUnset(value)) return undefined;
  if (typeof value !== 'string' || !pattern.test(value)) throw new ConfigError(key, expected, value);
  return value;
}

export function readString(lookup: ContextLookup, key: string, fallback: string, pattern: RegExp, expected: string): string {
  return readOptionalString(lookup, key, pattern, expected) ?? fallback;
}

export function readRule(lookup: ContextLookup, key: string, fallback: string, rule: { pattern: RegExp; expected: string }): string {
  return readString(lookup, key, fallback, rule.pattern, rule.expected);
}

export function readHttpsUrl(lookup: ContextLookup, key: string, fallback: string): string {
  const value = lookup(key);
  if (isUnset(value)) return fallback;
  const expected = 'an https:// URL without a path, query, trailing slash, user name or password';
  if (typeof value !== 'string' || graphBaseUrlProblem(value)) throw new ConfigError(key, expected, value);
  return value;
}

const ISO_8601_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(:(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * An ISO 8601 time with a zone that names a real moment: 2027-02-30 does not roll over to March, and
 * 25:00 is refused. With `notBefore`, a time in the past is refused too.
 */
export function readTime(lookup: ContextLookup, key: string, options: { immediate?: boolean; notBefore?: number } = {}): string | undefined {
  const value = lookup(key);
  if (isUnset(value)) return undefined;
  const expected = `${options.immediate ? 'IMMEDIATE or ' : ''}an ISO 8601 time with a zone, such as 2027-01-31T09:00:00Z`;
  if (options.immediate && value === 'IMMEDIATE') return value;
  const match = typeof value === 'string' ? ISO_8601_TIME.exec(value) : null;
  if (!match) throw new ConfigError(key, expected, value);
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 7].map((index) => Number(match[index] ?? 0));
  const calendar = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  const real = calendar.getUTCFullYear() === year && calendar.getUTCMonth() === month - 1 && calendar.getUTCDate() === day
    && calendar.getUTCHours() === hour && calendar.getUTCMinutes() === minute && calendar.getUTCSeconds() === second;
  if (!real) throw new ConfigError(key, `a valid ISO 8601 time, on a day and at a time that exist (${expected.replace('an ISO', 'as')})`, value);
  if (options.notBefore !== undefined && Date.parse(value as string) <= options.notBefore) {
    throw new ConfigError(key, `${expected}, in the future (it is ${new Date(options.notBefore).toISOString()} now)`, value);
  }
  return value as string;
}

export function readBoolean(lookup: ContextLookup, key: string, fallback: boolean): boolean {
  const value = lookup(key);
  if (isUnset(value)) return fallback;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new ConfigError(key, 'true or false', value);
}

export function readEnum<T extends string>(lookup: ContextLookup, key: string, allowed: readonly T[], fallback: T): T {
  const value = lookup(key);
  if (isUnset(value)) return fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(key, `one of ${allowed.join(', ')}`, value);
  }
  return value as T;
}

export function readInteger(lookup: ContextLookup, key: string, fallback: number, min: number, max: number): number {
  const value = lookup(key);
  if (isUnset(value)) return fallback;
  const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) {
    throw new ConfigError(key, `a whole number from ${min} to ${max}`, value);
  }
  return number;
}

export function readLogRetention(lookup: ContextLookup, key: string, fallback: RetentionDays): RetentionDays {
  const value = lookup(key);
  if (isUnset(value)) return fallback;
  const days = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  const allowed = Object.values(RetentionDays).filter((v): v is number => typeof v === 'number' && v !== RetentionDays.INFINITE);
  if (typeof days !== 'number' || !allowed.includes(days)) {
    throw new ConfigError(key, `a CloudWatch Logs retention in days, one of ${allowed.join(', ')}`, value);
  }
  return days as RetentionDays;
}

export function parseJsonOr(text: string, onError: () => never): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return onError();
  }
}

export function describe(value: unknown): string {
  if (value === undefined || value === '') return 'nothing';
  // A URL's user name and password never reach a message.
  const text = (typeof value === 'string' ? `"${value}"` : JSON.stringify(value)).replace(/\/\/[^/@\s"]+@/g, '//***@');
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
