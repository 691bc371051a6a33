/**
 * The layers' boundaries, checked on what loading a module really pulls in: esbuild follows the
 * runtime imports (type-only ones vanish, as they do at run time) and lists every file and package.
 */
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { findCycles, importGraph } from '../../scripts/import-graph';

const ROOT = path.join(__dirname, '..', '..');

/** What loading `entry` loads: project files (relative to the root) and packages (by name). */
function loads(entry: string): { files: string[]; packages: string[] } {
  const { metafile } = buildSync({
    entryPoints: [path.join(ROOT, entry)], bundle: true, write: false, metafile: true, platform: 'node', packages: 'external', logLevel: 'silent',
    absWorkingDir: ROOT,
  });
  const inputs = Object.values(metafile.inputs);
  const packages = inputs.flatMap((input) => input.imports.filter((i) => i.external).map((i) => i.path));
  return { files: Object.keys(metafile.inputs).sort(), packages: [...new Set(packages)].sort() };
}

const AWS_OR_POWERTOOLS = /^@aws-sdk\/|^@aws-lambda-powertools\//;

describe('boundaries', () => {
  test.each([
    ['the delivery core', 'lambda/core/index.ts'],
    ['the domain and its ports', 'lambda/domain/index.ts'],
    ['the contract module', 'lambda/contract/index.ts'],
    ['the Pinpoint trigger', 'lambda/triggers/pinpoint/batch.ts'],
  ])('loading %s pulls in no package and no Node module at all', (_name, entry) => {
    const { files, packages } = loads(entry);
    expect(packages).toEqual([]);
    expect(files.filter((file) => /lambda\/(adapters|providers)\/|handler|config/.test(file))).toEqual([]);
  });

  test('the domain and the contract import nothing beyond themselves (the domain reads only the contract)', () => {
    const graph = importGraph(['lambda/domain', 'lambda/contract']);
    const crossings = [...graph].flatMap(([file, targets]) => {
      const allowed = file.startsWith('lambda/contract/') ? /^lambda\/contract\// : /^lambda\/(domain|contract)\//;
      return targets.filter((target) => !allowed.test(target)).map((target) => `${file} -> ${target}`);
    });
    expect(graph.size).toBeGreaterThan(4);
    expect(crossings).toEqual([]);
  });

  test('the adapters are where AWS comes in: the handler pulls in the SDK clients and Powertools', () => {
    // A check of the check: the same measurement does see packages where they are.
    const { packages } = loads('lambda/handler.ts');
    expect(packages.filter((p) => AWS_OR_POWERTOOLS.test(p)).length).toBeGreaterThan(3);
  });

  test('loading the CDK app pulls from lambda/ only the contract module', () => {
    const { files } = loads('bin/app.ts');
    const fromLambda = files.filter((file) => file.startsWith('lambda/'));
    expect(fromLambda.length).toBeGreaterThan(0);
    expect(fromLambda.filter((file) => !file.startsWith('lambda/contract/'))).toEqual([]);
  });

  test('the import graph of lambda/, lib/, cli/ and bin/ has no circles, type-only imports included', () => {
    const graph = importGraph();
    expect(graph.size).toBeGreaterThan(30);
    expect(findCycles(graph)).toEqual([]);
  });

  test('the circle finder finds a circle', () => {
    expect(findCycles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]))).toEqual([['a', 'b', 'c', 'a']]);
  });
});
