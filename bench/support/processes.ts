/**
 * Starting the benchmark's processes: stand-ins, each alone, and the function under measurement.
 */
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { StandInKind, StandInReady } from './stand-in-process';

const ROOT = path.join(__dirname, '..', '..');

function once<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`the process exited (${code}) before answering`));
    child.once('exit', onExit);
    child.once('message', (message) => {
      child.off('exit', onExit);
      resolve(message as T);
    });
  });
}

export interface StandIn {
  readonly env: Record<string, string>;
  /** Requests it has handled so far. */
  count(): Promise<number>;
  stop(): Promise<void>;
}

export async function startStandIn(kind: StandInKind, latencyMs = 0): Promise<StandIn> {
  const child = fork(path.join(__dirname, 'stand-in-process.ts'), [kind, String(latencyMs)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await once<StandInReady>(child);
  return {
    env: ready.env,
    count: async () => {
      const answer = once<{ count: number }>(child);
      child.send({ op: 'counts' });
      return (await answer).count;
    },
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ op: 'stop' });
      await exited;
    },
  };
}

export interface Invocation {
  readonly response?: unknown;
  readonly error?: { name: string; message: string };
  readonly wallMs: number;
  readonly cpuMs: number;
  /** The process's resident memory after the invocation. */
  readonly rssMb: number;
}

export interface FunctionProcess {
  invoke(event: unknown, budgetMs?: number): Promise<Invocation>;
  /** How long the first and the second read of an error's stack take, and whether it names our sources. */
  stackCost(event: unknown): Promise<{ firstMs: number; secondMs: number; mapped: boolean }>;
  stop(): Promise<void>;
}

/** The environment a function process starts with: only what Lambda would set, and `env`. */
export function lambdaEnv(env: Record<string, string | undefined>): Record<string, string> {
  const base: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    // The runtime provides the AWS SDK to a bundle that leaves it out; here it comes from node_modules.
    NODE_PATH: path.join(ROOT, 'node_modules'),
    NODE_NO_WARNINGS: '1',
    AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'AKIDBENCHONLY', AWS_SECRET_ACCESS_KEY: 'bench-only', AWS_EC2_METADATA_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    ...env,
  };
  return Object.fromEntries(Object.entries(base).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

export async function startFunction(bundleDir: string, env: Record<string, string>, execArgv: string[] = []): Promise<FunctionProcess> {
  const child = fork(path.join(__dirname, 'function-process.cjs'), [], {
    env: { ...env, BENCH_BUNDLE_DIR: bundleDir }, execArgv, stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  // The function's own warnings and error lines are part of what it pays for, not of the report;
  // the last of them are shown only if the process dies.
  let lastWords = '';
  child.stderr!.on('data', (chunk: Buffer) => { lastWords = `${lastWords}${chunk.toString('utf8')}`.slice(-2000); });
  child.once('exit', (code) => { if (code) process.stderr.write(`the function process exited with ${code}:\n${lastWords}\n`); });
  await once(child);
  const ask = async <T>(message: unknown): Promise<T> => {
    const answer = once<T>(child);
    child.send(message as never);
    return answer;
  };
  return {
    invoke: (event, budgetMs = 13_000) => ask<Invocation>({ op: 'invoke', event, budgetMs }),
    stackCost: (event) => ask({ op: 'stack', event }),
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ op: 'stop' });
      await exited;
    },
  };
}

/** The bundle's entry file: an ES module now, CommonJS in commits before it (BENCH_BASELINE). */
export function bundleFile(bundleDir: string): string {
  const file = ['index.mjs', 'index.js'].map((name) => path.join(bundleDir, name)).find((candidate) => fs.existsSync(candidate));
  if (!file) throw new Error(`no bundle in ${bundleDir}`);
  return file;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * Init as a cold start pays it: bare node importing the bundle, against bare node alone. Runs
 * alternate, so that both meet the same moments of a busy machine; medians of `runs`.
 */
export function initFigures(bundleDir: string, env: Record<string, string>, runs = 9): { importMs: number; bareMs: number } {
  const code = `import(${JSON.stringify(pathToFileURL(bundleFile(bundleDir)).href)})`;
  const time = (script: string) => {
    const started = performance.now();
    execFileSync(process.execPath, ['-e', script], { env, stdio: 'ignore' });
    return performance.now() - started;
  };
  const imports: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    bare.push(time(''));
    imports.push(time(code));
  }
  return { importMs: median(imports), bareMs: median(bare) };
}
