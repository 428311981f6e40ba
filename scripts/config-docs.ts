// Writes the README's configuration tables and .env.example from src/composition/config-table.ts:
// `npm run docs:config`. test/unit/config-reference.test.ts fails when either differs from what
// this would write, so the docs can't drift from the table.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SECTIONS, variables, type Section, type Variable } from '../src/composition/config-table';

export const ROOT = join(__dirname, '..');
export const README_START = '<!-- config: generated from src/composition/config-table.ts by `npm run docs:config`; edit the table, not this -->';
export const README_END = '<!-- /config -->';

function bySection(): [Section, Variable<unknown>[]][] {
  const rows = variables();
  return (Object.keys(SECTIONS) as Section[]).map((section) => [section, rows.filter((row) => row.section === section)]);
}

const isComputed = (row: Variable<unknown>) => typeof row.default === 'function';

/** The default as the README shows it. */
function shownDefault(row: Variable<unknown>): string {
  if (row.shown !== undefined) return row.shown;
  const value = row.format.show(row.default);
  return value === '' ? '(none)' : `\`${value}\``;
}

export function readmeTables(): string {
  const blocks = bySection()
    .filter(([, rows]) => rows.length > 0)
    .map(([section, rows]) => [
      `**${SECTIONS[section]}**`,
      '',
      '| variable | default | accepts | meaning |',
      '|---|---|---|---|',
      ...rows.map((row) => `| \`${row.env}\` | ${shownDefault(row)} | ${row.format.describe} | ${row.doc} |`),
    ].join('\n'));
  return [README_START, ...blocks, README_END].join('\n\n');
}

/** One `NAME=value` line per variable; a default that is computed, or none, is left unset with a comment saying it. */
export function envExample(): string {
  const lines = ['# Every variable Telltale reads, with its default. Copy to .env and edit; unset (or empty) means the default.', '# Generated from src/composition/config-table.ts by `npm run docs:config`.'];
  for (const [section, rows] of bySection()) {
    if (rows.length === 0) continue;
    lines.push('', `# ${SECTIONS[section]}`);
    for (const row of rows) {
      if (isComputed(row) || row.shown !== undefined) lines.push(`# ${row.env} unset: ${row.shown!.replace(/`/g, '')}`);
      lines.push(`${row.env}=${isComputed(row) ? '' : row.format.show(row.default)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The README with its configuration block replaced by `tables`. */
export function withTables(readme: string, tables: string): string {
  const start = readme.indexOf(README_START);
  const end = readme.indexOf(README_END);
  if (start === -1 || end < start) throw new Error(`README.md has no ${README_START} … ${README_END} block`);
  return readme.slice(0, start) + tables + readme.slice(end + README_END.length);
}

if (require.main === module) {
  const readme = join(ROOT, 'README.md');
  writeFileSync(readme, withTables(readFileSync(readme, 'utf8'), readmeTables()));
  writeFileSync(join(ROOT, '.env.example'), envExample());
  process.stdout.write('wrote the configuration tables in README.md, and .env.example\n');
}
