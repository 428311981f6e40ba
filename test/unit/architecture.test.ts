import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';

const src = join(__dirname, '..', '..', 'src');

/** Every import and require of every .ts file under src/, relative specifiers resolved to src-relative paths. */
type ImportGraph = Map<string, Array<{ from: string; resolved: string | null }>>;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : name.endsWith('.ts') ? [path] : [];
  });
}

function resolveSpecifier(file: string, from: string): string | null {
  if (!from.startsWith('.')) return null;
  const base = join(dirname(file), from);
  for (const candidate of [`${base}.ts`, join(base, 'index.ts')]) if (existsSync(candidate)) return relative(src, candidate);
  return relative(src, base);
}

function importGraph(): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const path of filesUnder(src)) {
    const text = readFileSync(path, 'utf8');
    const specifiers = [
      ...[...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+'([^']+)'/g)].map((m) => m[1]!),
      ...[...text.matchAll(/(?:^|\n)\s*import\s+'([^']+)'/g)].map((m) => m[1]!),
      ...[...text.matchAll(/require\('([^']+)'\)/g)].map((m) => m[1]!),
      ...[...text.matchAll(/import\('([^']+)'\)/g)].map((m) => m[1]!),
    ];
    graph.set(
      relative(src, path),
      specifiers.map((from) => ({ from, resolved: resolveSpecifier(path, from) })),
    );
  }
  return graph;
}

const layerOf = (file: string) => file.split('/')[0]!.replace(/\.ts$/, '');

/** Imports of files in `layer` that land in one of `forbidden`, as "a.ts → b.ts" lines. */
function crossings(graph: ImportGraph, layer: string, forbidden: string[]): string[] {
  const found: string[] = [];
  for (const [file, imports] of graph) {
    if (layerOf(file) !== layer) continue;
    for (const { resolved } of imports) if (resolved && forbidden.includes(layerOf(resolved))) found.push(`${file} → ${resolved}`);
  }
  return found;
}

/** The first import cycle found by depth-first search, as the files in order (first = last), or null. */
function findCycle(graph: ReadonlyMap<string, ReadonlyArray<{ resolved: string | null }>>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): string[] | null => {
    if (state.get(file) === 'done') return null;
    if (state.get(file) === 'open') return [...stack.slice(stack.indexOf(file)), file];
    state.set(file, 'open');
    stack.push(file);
    for (const { resolved } of graph.get(file) ?? []) {
      if (resolved === null || !graph.has(resolved)) continue;
      const cycle = visit(resolved);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(file, 'done');
    return null;
  };
  for (const file of [...graph.keys()].sort()) {
    const cycle = visit(file);
    if (cycle) return cycle;
  }
  return null;
}

/** A function, method, constructor, accessor or arrow function with a body, and its length in lines (first to last, comments inside included). */
interface FunctionSpan {
  file: string;
  name: string;
  line: number;
  lines: number;
}

function nameOf(node: ts.Node, source: ts.SourceFile): string {
  const named = (node as { name?: ts.Node }).name;
  if (named) return named.getText(source);
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const parent = node.parent;
  if (parent && (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent))) return parent.name.getText(source);
  return '(anonymous)';
}

function functionSpans(file: string, text: string): FunctionSpan[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const spans: FunctionSpan[] = [];
  const lineOf = (position: number) => source.getLineAndCharacterOfPosition(position).line + 1;
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && (node as { body?: ts.Node }).body) {
      const line = lineOf(node.getStart(source));
      spans.push({ file, name: nameOf(node, source), line, lines: lineOf(node.getEnd()) - line + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return spans;
}

const MAX_FUNCTION_LINES = 60;

// Files (src-relative) allowed a function over the limit, each with a comment saying why; empty
// today. An entry goes once its file has no function over the limit: the test below says when.
const LONG_FUNCTIONS_ALLOWED = new Set<string>([]);

/** Functions over the limit in the given files (src-relative names), allowlisted files left out. */
function longFunctions(files: Array<{ file: string; text: string }>, allowed: ReadonlySet<string>): string[] {
  return files
    .filter(({ file }) => !allowed.has(file))
    .flatMap(({ file, text }) => functionSpans(file, text))
    .filter((span) => span.lines > MAX_FUNCTION_LINES)
    .map((span) => `${span.file}:${span.line} ${span.name} (${span.lines} lines)`);
}

const logicFiles = () =>
  ['app', 'domain', 'composition'].flatMap((layer) => filesUnder(join(src, layer)).map((path) => ({ file: relative(src, path), text: readFileSync(path, 'utf8') })));

const describeCycle = (cycle: string[] | null) => (cycle ? `import cycle: ${cycle.join(' → ')}` : 'no import cycle');

describe('architecture', () => {
  const graph = importGraph();
  const importsOf = (layer: string) => [...graph].filter(([file]) => layerOf(file) === layer).flatMap(([file, imports]) => imports.map((i) => ({ file, from: i.from })));

  it('the scan finds the layers and their imports', () => {
    for (const layer of ['domain', 'ports', 'adapters', 'app', 'composition', 'cli']) expect(importsOf(layer).length).toBeGreaterThan(5);
  });

  it('the domain imports only the domain and pure computation (ajv, node:crypto, node:zlib): no ports, adapters, app or I/O', () => {
    const allowed = (from: string) => from.startsWith('./') || ['ajv', 'node:crypto', 'node:zlib'].includes(from);
    expect(importsOf('domain').filter((i) => !allowed(i.from))).toEqual([]);
  });

  it('ports import only the domain and other ports', () => {
    const allowed = (from: string) => from.startsWith('./') || from.startsWith('../domain/');
    expect(importsOf('ports').filter((i) => !allowed(i.from))).toEqual([]);
  });

  it('the domain never reads the clock or randomness: time and ids come in as arguments', () => {
    const offenders = filesUnder(join(src, 'domain')).filter((file) => /Date\.now\(|new Date\(\)|Math\.random\(|randomBytes\(|randomUUID\(/.test(readFileSync(file, 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('use cases (src/app) import no adapter, composition or entry point', () => {
    expect(crossings(graph, 'app', ['adapters', 'composition', 'cli', 'main'])).toEqual([]);
  });

  it('adapters import no composition module or entry point', () => {
    expect(crossings(graph, 'adapters', ['composition', 'cli', 'main'])).toEqual([]);
  });

  it('the composition root is imported only by the entry points (main.ts, cli.ts, src/cli/)', () => {
    const outside = ['domain', 'ports', 'adapters', 'app'].flatMap((layer) => crossings(graph, layer, ['composition']));
    expect(outside).toEqual([]);
  });

  it('there is no import cycle anywhere under src/', () => {
    expect(describeCycle(findCycle(graph))).toBe('no import cycle');
  });

  it(`no function in src/app, src/domain or src/composition is over ${MAX_FUNCTION_LINES} lines`, () => {
    expect(longFunctions(logicFiles(), LONG_FUNCTIONS_ALLOWED)).toEqual([]);
  });

  it('every file allowed long functions still has one (else its entry goes)', () => {
    const files = logicFiles().filter(({ file }) => LONG_FUNCTIONS_ALLOWED.has(file));
    const stillLong = new Set(longFunctions(files, new Set()).map((found) => found.split(':')[0]));
    expect([...LONG_FUNCTIONS_ALLOWED].filter((file) => !stillLong.has(file))).toEqual([]);
  });

  describe('the checks themselves', () => {
    it('when a method, an arrow function or a nested function is over the limit, then each is named with its line and length', () => {
      const body = (n: number) => Array.from({ length: n }, (_, i) => `    step${i}();`).join('\n');
      const text = [
        'export class Use {',
        '  run(): void {',
        body(MAX_FUNCTION_LINES - 2),
        '  }',
        '  long(): void {',
        body(MAX_FUNCTION_LINES - 1),
        '  }',
        '}',
        'export const handler = () => {',
        '  function inner() {',
        body(MAX_FUNCTION_LINES),
        '  }',
        '};',
      ].join('\n');
      expect(longFunctions([{ file: 'app/use.ts', text }], new Set())).toEqual([
        `app/use.ts:${MAX_FUNCTION_LINES + 2} long (${MAX_FUNCTION_LINES + 1} lines)`,
        `app/use.ts:${2 * MAX_FUNCTION_LINES + 4} handler (${MAX_FUNCTION_LINES + 4} lines)`,
        `app/use.ts:${2 * MAX_FUNCTION_LINES + 5} inner (${MAX_FUNCTION_LINES + 2} lines)`,
      ]);
      expect(longFunctions([{ file: 'app/use.ts', text }], new Set(['app/use.ts']))).toEqual([]);
    });


    it('when an adapter imports a composition module, then the crossing names both files', () => {
      const broken: ImportGraph = new Map([
        ['adapters/http/x-routes.ts', [{ from: '../../composition/config', resolved: 'composition/config.ts' }]],
        ['composition/config.ts', []],
      ]);
      expect(crossings(broken, 'adapters', ['composition'])).toEqual(['adapters/http/x-routes.ts → composition/config.ts']);
    });

    it('when src/app imports an adapter, then the crossing names both files', () => {
      const broken: ImportGraph = new Map([['app/use-case.ts', [{ from: '../adapters/fs/fs-blob-store', resolved: 'adapters/fs/fs-blob-store.ts' }]]]);
      expect(crossings(broken, 'app', ['adapters'])).toEqual(['app/use-case.ts → adapters/fs/fs-blob-store.ts']);
    });

    it('when three files import each other in a ring, then the cycle is reported in order', () => {
      const ring = new Map([
        ['composition/a.ts', [{ resolved: 'composition/b.ts' }]],
        ['composition/b.ts', [{ resolved: 'composition/c.ts' }]],
        ['composition/c.ts', [{ resolved: 'composition/a.ts' }]],
      ]);
      expect(describeCycle(findCycle(ring))).toBe('import cycle: composition/a.ts → composition/b.ts → composition/c.ts → composition/a.ts');
    });
  });
});
