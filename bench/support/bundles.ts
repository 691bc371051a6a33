/**
 * The bundles the benchmark measures, exactly as `cdk synth` writes them: of this checkout, and
 * optionally of an earlier commit (BENCH_BASELINE=<rev>), synthesized in a worktree of its own so
 * that both are measured side by side in one run.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BENCH_ORIGINATION_ID } from './constants';

const ROOT = path.join(__dirname, '..', '..');

export interface Bundles {
  /** Pinpoint's (and Connect's) function, Graph API deployment. */
  readonly pinpoint: string;
  readonly worker: string;
  /** Pinpoint's function of a `whatsappApi=aws` deployment (End User Messaging Social). */
  readonly endUserMessaging: string;
  /** NODE_OPTIONS the checkout deploys the function with, if any. */
  readonly nodeOptions?: string;
}

const SCRIPT = `
const fs = require('node:fs');
const { synthesizedBundleDir } = require('./test/integration/stand-ins/bundled-function');
const aws = { whatsappApi: 'aws', whatsappOriginationPhoneNumberId: ${JSON.stringify(BENCH_ORIGINATION_ID)} };
const nodeOptions = /NODE_OPTIONS: '([^']+)'/.exec(fs.readFileSync('lib/constructs/custom-channel-function.ts', 'utf8'))?.[1];
process.stdout.write(JSON.stringify({ pinpoint: synthesizedBundleDir('pinpoint'), worker: synthesizedBundleDir('worker'), endUserMessaging: synthesizedBundleDir('pinpoint', aws), nodeOptions }));
`;

/** Synthesizes (or finds, by the hash of their sources) the bundles of the checkout at `root`. */
export function bundlesOf(root = ROOT): Bundles {
  // The synth's own output (bundling lines, npm's warnings) is not the benchmark's.
  const output = execFileSync(process.execPath, ['--import', 'tsx', '-e', SCRIPT], {
    cwd: root, encoding: 'utf8', env: { ...process.env, NODE_NO_WARNINGS: '1' }, stdio: ['ignore', 'pipe', 'ignore'],
  });
  return JSON.parse(output) as Bundles;
}

/** A worktree of `rev` beside this checkout, sharing its node_modules. */
export function baselineCheckout(rev: string): string {
  const sha = execFileSync('git', ['rev-parse', '--short', rev], { cwd: ROOT, encoding: 'utf8' }).trim();
  const dir = path.join(os.tmpdir(), `pinpoint-custom-channel-bench-${sha}`);
  if (!fs.existsSync(path.join(dir, 'package.json'))) {
    execFileSync('git', ['worktree', 'add', '--detach', '--force', dir, sha], { cwd: ROOT, stdio: 'ignore' });
  }
  const modules = path.join(dir, 'node_modules');
  if (!fs.existsSync(modules)) fs.symlinkSync(path.join(ROOT, 'node_modules'), modules, 'dir');
  return dir;
}
