import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CDK_JSON_CONTEXT } from '../helpers';

const ROOT = path.join(__dirname, '..', '..');

/** Runs bin/app.ts the way the CDK CLI does: context in CDK_CONTEXT_JSON. */
function runApp(overrides: Record<string, unknown>) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'bin/app.ts'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ ...CDK_JSON_CONTEXT, ...overrides }), CDK_OUTDIR: fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-bin-test-')) },
    timeout: 60_000,
  });
}

describe('bin/app.ts', () => {
  test('a malformed context value stops the app with one line naming the key, and no stack trace', () => {
    // GIVEN an endpoint type that does not exist; WHEN the app runs
    const result = runApp({ endpointTypes: 'CUSTOM,WHATSAPP' });
    // THEN it exits non-zero with a message naming the key, the bad value and the expected form
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toMatch(/^Invalid context value for "endpointTypes": expected .*CUSTOM.*, got "WHATSAPP"\. Set it in cdk\.json or with -c endpointTypes=\.\.\.$/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
