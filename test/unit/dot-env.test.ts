import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/composition/config';
import { loadDotEnv } from '../../src/composition/start';

describe('.env', () => {
  it('when .env exists in the directory, then its variables are read and the real environment wins, even an empty value', () => {
    const dir = mkdtempSync(join(tmpdir(), 'telltale-dotenv-'));
    writeFileSync(join(dir, '.env'), '# comment\nPORT=9191\nLOG_LEVEL=warn\nHOST="127.0.0.1"\nCORS_ORIGINS=https://a.example\n');
    const env: NodeJS.ProcessEnv = { LOG_LEVEL: 'error', CORS_ORIGINS: '' };
    expect(loadDotEnv(env, dir)).toBe(join(dir, '.env'));
    expect(env).toEqual({ PORT: '9191', LOG_LEVEL: 'error', HOST: '127.0.0.1', CORS_ORIGINS: '' });
    expect(loadConfig(env)).toMatchObject({ port: 9191, logLevel: 'error', host: '127.0.0.1', corsOrigins: [] });
  });

  it('when there is no .env, then nothing changes', () => {
    const env: NodeJS.ProcessEnv = { PORT: '1' };
    expect(loadDotEnv(env, mkdtempSync(join(tmpdir(), 'telltale-dotenv-')))).toBeNull();
    expect(env).toEqual({ PORT: '1' });
  });

  it('when .env is a copy of .env.example, then the configuration is the default one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'telltale-dotenv-'));
    writeFileSync(join(dir, '.env'), require('node:fs').readFileSync(join(__dirname, '..', '..', '.env.example'), 'utf8'));
    const env: NodeJS.ProcessEnv = {};
    loadDotEnv(env, dir);
    expect(loadConfig(env)).toEqual(loadConfig({}));
  });
});
