import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');

/** Every variable name config.ts reads: the string literals passed to its readers. */
function variablesReadByConfig(): string[] {
  const source = read('src/composition/config.ts');
  const names = new Set<string>();
  for (const match of source.matchAll(/\b(?:int|bool|oneOf|url|list|present|fileDefault)\((?:env|logsEnv), '([A-Z][A-Z0-9_]+)'/g)) names.add(match[1]!);
  for (const match of source.matchAll(/\b([A-Z][A-Z0-9_]+): fileDefault\(/g)) names.add(match[1]!);
  return [...names].sort();
}

describe('configuration reference', () => {
  const variables = variablesReadByConfig();

  it('finds the variables config.ts reads', () => {
    expect(variables).toEqual(expect.arrayContaining(['PORT', 'REPORTS_ENABLED', 'STORAGE_DRIVER', 'LOGS_MAX_BATCH', 'CONFIG_FILE']));
    expect(variables.length).toBeGreaterThan(40);
  });

  it('lists every variable in the README\'s configuration table', () => {
    const readme = read('README.md');
    const missing = variables.filter((name) => !new RegExp(`^\\|\\s*\`${name}\`\\s*\\|`, 'm').test(readme));
    expect(missing).toEqual([]);
  });

  it('lists every variable in .env.example', () => {
    const example = read('.env.example');
    const missing = variables.filter((name) => !new RegExp(`^${name}=`, 'm').test(example));
    expect(missing).toEqual([]);
  });
});
