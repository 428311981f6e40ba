import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { unknownVariables } from '../../src/composition/config';
import { NGINX_CONF_FILE, nginxConfigFromDoc } from '../fixtures/nginx';

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

  it('docker-compose.yml runs nginx only with the faynosync profile, on the configuration the doc shows and the nginx test runs', () => {
    const compose = read('docker-compose.yml');
    const nginx = /^  nginx:\n((?:    .*\n|\s*\n)+?)(?=^  \S)/m.exec(compose)?.[1] ?? '';
    expect(nginx).toMatch(/profiles: \["faynosync"\]/);
    expect(nginx).toMatch(/image: nginx:[\d.]+-bookworm/);
    expect(nginx).toContain('./deploy/nginx/telltale-faynosync.conf:/etc/nginx/conf.d/default.conf:ro');
    expect(nginx).toMatch(/extra_hosts: \["faynosync:\$\{FAYNOSYNC_IP:-host-gateway\}"\]/);
    // The doc's TRUST_PROXY and connection settings can be passed to the telltale service.
    expect(compose).toMatch(/TRUST_PROXY: \$\{TRUST_PROXY:-false\}/);
    expect(compose).toMatch(/SERVER_MAX_CONNECTIONS_PER_IP: \$\{SERVER_MAX_CONNECTIONS_PER_IP:-256\}/);
    expect(readFileSync(NGINX_CONF_FILE, 'utf8')).toBe(nginxConfigFromDoc());
    expect(nginxConfigFromDoc()).toMatch(/server telltale:8080;[\s\S]*server faynosync:9000;/);
  });

  it('docker-compose.yml and the Dockerfile give the service only variables it knows', () => {
    const fromService = read('docker-compose.yml').split('\n  telltale:')[1]!;
    const service = fromService.split(/\n {2}[a-z]/)[0]!; // up to the next service
    const names = [...service.matchAll(/^\s{6}([A-Z][A-Z0-9_]+):/gm), ...read('Dockerfile').matchAll(/\b([A-Z][A-Z0-9_]+)=/g)].map((m) => m[1]!);
    expect(names).toEqual(expect.arrayContaining(['REPOSITORY_DRIVER', 'S3_BUCKET_NAME_PRIVATE', 'DATA_DIR']));
    expect(unknownVariables(Object.fromEntries(names.map((name) => [name, 'x'])))).toEqual([]);
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
