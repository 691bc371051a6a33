/**
 * npm run check:imports — the import graph of lambda/, lib/ and cli/, type-only imports included,
 * and every circle in it. Exits 1 if there is one. Dependency-free, so it runs anywhere Node does.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');
const SPECIFIER = /(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)'([^']+)'/gm;

/** File (relative to the root) to the project files it imports. Packages and Node modules are left out. */
export function importGraph(dirs: readonly string[] = ['lambda', 'lib', 'cli', 'bin']): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of dirs.flatMap((dir) => sourceFiles(path.join(ROOT, dir)))) {
    const text = fs.readFileSync(file, 'utf8');
    const targets = [...text.matchAll(SPECIFIER)].map((m) => m[1]).filter((spec) => spec.startsWith('.'))
      .map((spec) => resolve(path.dirname(file), spec)).filter((target): target is string => target !== undefined);
    graph.set(relative(file), [...new Set(targets.map(relative))]);
  }
  return graph;
}

/** Each circle once, as the list of files around it. */
export function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
}

function sourceFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

function resolve(fromDir: string, spec: string): string | undefined {
  const base = path.join(fromDir, spec);
  return [`${base}.ts`, path.join(base, 'index.ts'), base].find((candidate) => fs.existsSync(candidate) && fs.statSync(candidate).isFile());
}

function relative(file: string): string {
  return path.relative(ROOT, file).split(path.sep).join('/');
}

if (require.main === module) {
  const graph = importGraph();
  const cycles = findCycles(graph);
  const edges = [...graph.values()].reduce((sum, targets) => sum + targets.length, 0);
  console.log(`${graph.size} files, ${edges} imports between them (type-only imports included)`);
  for (const cycle of cycles) console.log(`circle: ${cycle.join(' -> ')}`);
  console.log(cycles.length === 0 ? 'no circles' : `${cycles.length} circle(s)`);
  process.exitCode = cycles.length === 0 ? 0 : 1;
}
