/**
 * Runs the function exactly as `cdk synth` bundled it, in a separate Node process, the way the
 * Lambda runtime would load it: bare node importing the bundle's ES module.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../helpers';

const ROOT = path.join(__dirname, '..', '..', '..');

/**
 * Bundles already synthesized, shared by every test file of this machine: a synth with bundling takes
 * seconds. A bundle is found by a hash of everything it is made from (the function's sources, the
 * construct that bundles them, the lock file, the context), so a changed source is bundled anew.
 */
const CACHE_ROOT = path.join(os.tmpdir(), 'pinpoint-custom-channel-test-bundles');

function sourceHash(which: string, context: Record<string, unknown>): string {
  const hash = createHash('sha256').update(`${which} ${JSON.stringify(context)}`);
  const files = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? files(path.join(dir, entry.name)) : [path.join(dir, entry.name)]));
  for (const file of [...files(path.join(ROOT, 'lambda')), path.join(ROOT, 'lib', 'constructs', 'custom-channel-function.ts'), path.join(ROOT, 'package-lock.json')].sort()) {
    hash.update(file).update(fs.readFileSync(file));
  }
  return hash.digest('hex').slice(0, 32);
}

/**
 * Synthesizes the app (or finds it done) and returns the directory holding Pinpoint's function's
 * bundle, or the job-queue worker's.
 */
export function synthesizedBundleDir(which: 'pinpoint' | 'worker' = 'pinpoint', context: Record<string, unknown> = {}): string {
  const cached = path.join(CACHE_ROOT, sourceHash(which, context));
  if (fs.existsSync(path.join(cached, BUNDLE_FILE))) return cached;
  const { app, delivery } = buildApp(context, { bundle: true });
  const assembly = app.synth();
  const prefix = which === 'pinpoint' ? 'DeliveryFunction' : 'JobsWorkerFunction';
  const [fn] = Object.entries(Template.fromStack(delivery).findResources('AWS::Lambda::Function'))
    .filter(([id]) => id.startsWith(prefix)).map(([, resource]) => resource);
  // The code's S3 key is the asset hash, which also names the staged bundle's directory.
  const dir = path.join(assembly.directory, `asset.${String(fn.Properties.Code.S3Key).replace(/\.zip$/, '')}`);
  if (!fs.existsSync(path.join(dir, BUNDLE_FILE))) throw new Error(`no ${BUNDLE_FILE} in ${dir}`);
  // Copied aside, then renamed into place: another test file may be doing the same at this moment.
  fs.mkdirSync(CACHE_ROOT, { recursive: true });
  const staging = fs.mkdtempSync(path.join(CACHE_ROOT, 'staging-'));
  fs.cpSync(dir, staging, { recursive: true });
  try {
    fs.renameSync(staging, cached);
  } catch {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return cached;
}

/** What the synth writes: an ES module (see CustomChannelFunction's bundling). */
export const BUNDLE_FILE = 'index.mjs';

const RUNNER = `
import(require('node:url').pathToFileURL(process.env.BUNDLE).href).then(({ handler }) => {
const deadline = Date.now() + Number(process.env.BUDGET_MS);
const context = { awsRequestId: 'r1', functionName: 'delivery', memoryLimitInMB: '256', invokedFunctionArn: 'arn:aws:lambda:eu-west-1:111122223333:function:delivery',
  getRemainingTimeInMillis: () => deadline - Date.now() };
const started = Date.now();
return handler(JSON.parse(process.env.EVENT), context).then(
  (response) => process.stdout.write('\\nRESULT ' + JSON.stringify({ response, elapsedMs: Date.now() - started }) + '\\n'),
  (error) => process.stdout.write('\\nRESULT ' + JSON.stringify({ error: { name: error.name, message: error.message } }) + '\\n'),
);
});
`;

export interface BundledRun {
  readonly response?: Record<string, { EventAttributes: Record<string, string> }>;
  readonly error?: { name: string; message: string };
  readonly elapsedMs?: number;
  /** Everything the function printed: logs and metrics. */
  readonly output: string;
}

export function runBundledFunction(bundleDir: string, event: unknown, env: Record<string, string>, budgetMs = 13_000): Promise<BundledRun> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', RUNNER], {
      cwd: bundleDir,
      timeout: 30_000,
      env: {
        PATH: process.env.PATH,
        // No NODE_PATH: the bundle must carry every package it loads, as it does in Lambda.
        BUNDLE: path.join(bundleDir, BUNDLE_FILE),
        EVENT: JSON.stringify(event),
        BUDGET_MS: String(budgetMs),
        AWS_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: 'AKIDTESTONLY',
        AWS_SECRET_ACCESS_KEY: 'test-only',
        AWS_EC2_METADATA_DISABLED: 'true',
        ...env,
      },
    }, (error, stdout, stderr) => {
      const output = `${stdout}${stderr}`;
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (!line) {
        reject(new Error(`the bundled function printed no result${error ? ` (${error.message})` : ''}:\n${output}`));
        return;
      }
      resolve({ ...JSON.parse(line.slice('RESULT '.length)), output: output.replace(line, '') });
    });
  });
}
