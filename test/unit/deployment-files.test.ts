import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const read = (file: string) => readFileSync(join(__dirname, '..', '..', file), 'utf8');

describe('deployment files', () => {
  it('docker-compose.yml pins every image, refuses to start without JWT_SECRET and presigns for the host', () => {
    const compose = read('docker-compose.yml');
    const images = [...compose.matchAll(/^\s*image:\s*(\S+)/gm)].map((m) => m[1]!);
    expect(images.length).toBeGreaterThanOrEqual(4);
    for (const image of images) expect(image).toMatch(/^[\w./-]+:(?!latest$)[\w.-]+$/);
    expect(compose).toMatch(/JWT_SECRET: \$\{JWT_SECRET:\?/);
    expect(compose).toMatch(/S3_PUBLIC_ENDPOINT: /);
  });

  it('the Dockerfile builds and runs on Node 22, the current LTS', () => {
    const froms = [...read('Dockerfile').matchAll(/^FROM (\S+)/gm)].map((m) => m[1]!);
    expect(froms).toEqual(['node:22-bookworm-slim', 'node:22-bookworm-slim']);
  });

  it('package.json runs the compiled service and CLI, with no dev dependency at run time', () => {
    const pkg = JSON.parse(read('package.json'));
    expect(pkg.bin).toEqual({ telltale: 'dist/cli.js' });
    expect(pkg.scripts.start).toBe('exec node dist/main.js');
    expect(pkg.scripts.cli).toBe('node dist/cli.js');
    expect(read('src/cli.ts').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });
});
