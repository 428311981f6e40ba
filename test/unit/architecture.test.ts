import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

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

  describe('the checks themselves', () => {
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
