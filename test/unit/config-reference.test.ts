import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { envExample, README_END, README_START, readmeTables, ROOT } from '../../scripts/config-docs';
import { OUR_TOOLS_VARIABLES, OWN_PREFIXES } from '../../src/composition/config';
import { SECTIONS, variables } from '../../src/composition/config-table';

const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');
const known = variables().map((row) => row.env);

/** The variable names in the README's configuration tables (the rows between the markers). */
function readmeTableVariables(): string[] {
  const readme = read('README.md');
  const block = readme.slice(readme.indexOf(README_START), readme.indexOf(README_END));
  return [...block.matchAll(/^\|\s*`([A-Z][A-Z0-9_]+)`\s*\|/gm)].map((m) => m[1]!);
}

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) yield* sourceFiles(join(dir, entry.name));
    else if (entry.name.endsWith('.ts')) yield join(dir, entry.name);
  }
}

describe('configuration reference', () => {
  it('when the table changes, then the README\'s tables must be regenerated (npm run docs:config)', () => {
    const readme = read('README.md');
    const block = readme.slice(readme.indexOf(README_START), readme.indexOf(README_END) + README_END.length);
    expect(block).toBe(readmeTables());
  });

  it('when the table changes, then .env.example must be regenerated (npm run docs:config)', () => {
    expect(read('.env.example')).toBe(envExample());
  });

  it('every variable in the README\'s tables is in .env.example and in the config, and none is missing', () => {
    const inReadme = readmeTableVariables();
    const example = read('.env.example');
    expect(inReadme.filter((name) => !new RegExp(`^${name}=`, 'm').test(example))).toEqual([]);
    expect(inReadme.filter((name) => !known.includes(name))).toEqual([]);
    expect([...known].sort()).toEqual([...inReadme].sort());
    expect(inReadme.length).toBeGreaterThan(60);
  });

  it('.env.example leaves PUBLIC_BASE_URL unset, so its default follows PORT, and groups variables under their own headings', () => {
    const example = read('.env.example');
    expect(example).toMatch(/^PUBLIC_BASE_URL=$/m);
    const headingOf = (name: string) => {
      const before = example.slice(0, example.search(new RegExp(`^${name}=`, 'm')));
      return [...before.matchAll(/^# (.+)$/gm)].map((m) => m[1]!).filter((line) => Object.values(SECTIONS).includes(line as never)).pop();
    };
    expect(headingOf('TELEMETRY_ENABLED')).toBe(SECTIONS.telemetry);
    expect(headingOf('ROLLOUT_MIN_DEVICES')).toBe(SECTIONS.rollouts);
    expect(headingOf('WEBHOOK_TIMEOUT_MS')).toBe(SECTIONS.webhooks);
    expect(headingOf('LOGS_MAX_BATCH')).toBe(SECTIONS.logs);
  });

  it('every variable of ours that the README and docs/ name exists', () => {
    const files = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
    const named = new Set<string>();
    for (const file of files) {
      for (const match of read(file).matchAll(/`([A-Z][A-Z0-9_]*[A-Z0-9])(?:=[^`]*)?`/g)) if (OWN_PREFIXES.some((p) => match[1]!.startsWith(p))) named.add(match[1]!);
    }
    // A constant of the code (`MONGO_MIGRATIONS`) is not a variable.
    const constants = new Set([...sourceFiles(join(ROOT, 'src'))].flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/\bconst ([A-Z][A-Z0-9_]+)\b/g)].map((m) => m[1]!)));
    expect([...named].filter((name) => !known.includes(name) && !OUR_TOOLS_VARIABLES.includes(name) && !constants.has(name))).toEqual([]);
  });

  it('each of our prefixes begins a variable, and each variable has a one-line doc', () => {
    for (const prefix of OWN_PREFIXES) expect(known.some((name) => name.startsWith(prefix))).toBe(true);
    for (const row of variables()) {
      expect(row.doc).not.toMatch(/\n|\|/);
      if (typeof row.default === 'function') expect(row.shown).toBeDefined();
    }
  });
});
