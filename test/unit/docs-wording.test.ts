import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const pages = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

describe('the docs', () => {
  // A reader has the docs, not the tracker the work was planned in: "issue 12" tells them nothing.
  it.each(pages)('when %s is read, then it names no issue of the tracker', (page) => {
    const lines = readFileSync(join(ROOT, page), 'utf8').split('\n');
    const naming = lines.map((line, i) => `${i + 1}: ${line}`).filter((line) => /\bissues?\s+#?\d+|\bissue's\b|\bthe issue\b/i.test(line));
    expect(naming).toEqual([]);
  });
});
