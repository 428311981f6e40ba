import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const src = join(__dirname, '..', '..', 'src');

function importsOf(dir: string): Array<{ file: string; from: string }> {
  const found: Array<{ file: string; from: string }> = [];
  for (const file of readdirSync(join(src, dir))) {
    const text = readFileSync(join(src, dir, file), 'utf8');
    for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+'([^']+)'/g)) found.push({ file: `${dir}/${file}`, from: match[1]! });
    for (const match of text.matchAll(/require\('([^']+)'\)/g)) found.push({ file: `${dir}/${file}`, from: match[1]! });
  }
  return found;
}

describe('architecture', () => {
  it('the domain imports only the domain and pure computation (ajv, node:crypto, node:zlib): no ports, adapters, app or I/O', () => {
    const allowed = (from: string) => from.startsWith('./') || ['ajv', 'node:crypto', 'node:zlib'].includes(from);
    const imports = importsOf('domain');
    expect(imports.length).toBeGreaterThan(10); // the scan itself finds imports
    expect(imports.filter((i) => !allowed(i.from))).toEqual([]);
  });

  it('ports import only the domain and other ports', () => {
    const allowed = (from: string) => from.startsWith('./') || from.startsWith('../domain/');
    expect(importsOf('ports').filter((i) => !allowed(i.from))).toEqual([]);
  });

  it('the domain never reads the clock or randomness: time and ids come in as arguments', () => {
    const offenders = readdirSync(join(src, 'domain')).filter((file) =>
      /Date\.now\(|new Date\(\)|Math\.random\(|randomBytes\(|randomUUID\(/.test(readFileSync(join(src, 'domain', file), 'utf8')),
    );
    expect(offenders).toEqual([]);
  });
});
