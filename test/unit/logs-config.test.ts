import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/composition/config';

function configFile(content: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'telltale-logs-config-')), 'config.json');
  writeFileSync(path, JSON.stringify(content));
  return path;
}

describe('logs configuration', () => {
  it('when nothing is set, then the seed defaults apply', () => {
    expect(loadConfig({}).logs).toMatchObject({
      enabled: true,
      maxRequestsPerMinute: 60,
      maxBatch: 100,
      maxMessageLength: 2000,
      maxStackLength: 5000,
      maxBodyBytes: 262_144,
      appIntegrityEnabled: false,
      destination: 'stdout',
    });
  });

  it('when a CONFIG_FILE in the seed shape is given, then its logs block is used', () => {
    const file = configFile({
      logs: {
        enabled: false,
        rateLimit: { maxRequestsPerMinute: 30 },
        validation: { maxBatch: 50, maxMessageLength: 1000, maxStackLength: 4000, maxBodyBytes: 131072 },
        appIntegrity: { enabled: true },
      },
    });
    expect(loadConfig({ CONFIG_FILE: file }).logs).toMatchObject({
      enabled: false,
      maxRequestsPerMinute: 30,
      maxBatch: 50,
      maxMessageLength: 1000,
      maxStackLength: 4000,
      maxBodyBytes: 131_072,
      appIntegrityEnabled: true,
    });
  });

  it('when both the file and the environment set a knob, then the environment wins', () => {
    const file = configFile({ logs: { rateLimit: { maxRequestsPerMinute: 30 }, validation: { maxBatch: 50 }, enabled: false } });
    const logs = loadConfig({ CONFIG_FILE: file, LOGS_RATE_LIMIT_MAX_REQUESTS_PER_MINUTE: '5', LOGS_ENABLED: 'true' }).logs;
    expect(logs).toMatchObject({ maxRequestsPerMinute: 5, enabled: true, maxBatch: 50 });
  });

  it('when a knob has a bad value, then loading fails naming it', () => {
    expect(() => loadConfig({ LOGS_MAX_BATCH: 'many' })).toThrow(ConfigError);
    expect(() => loadConfig({ LOGS_MAX_BATCH: 'many' })).toThrow(/LOGS_MAX_BATCH/);
    expect(() => loadConfig({ CONFIG_FILE: configFile({ logs: { validation: { maxBatch: '10' } } }) })).toThrow(/logs.validation.maxBatch/);
  });

  it('when LOGS_PLATFORMS is unset, then device.platform accepts the mobile, desktop and web platforms; when it is not a list of names, then startup fails naming it', () => {
    expect(loadConfig({}).logs.platforms).toEqual(['ios', 'android', 'windows', 'macos', 'linux', 'web']);
    expect(loadConfig({ LOGS_PLATFORMS: 'ios, tvos' }).logs.platforms).toEqual(['ios', 'tvos']);
    expect(() => loadConfig({ LOGS_PLATFORMS: ' , ' })).toThrow(/LOGS_PLATFORMS/);
    expect(() => loadConfig({ LOGS_PLATFORMS: 'Windows 11' })).toThrow(/LOGS_PLATFORMS/);
  });

  it('when LOGS_SCRUB_KEYS is set, then it replaces the default list', () => {
    expect(loadConfig({}).logs.scrubKeys).toContain('password');
    expect(loadConfig({ LOGS_SCRUB_KEYS: 'PIN, otp' }).logs.scrubKeys).toEqual(['pin', 'otp']);
  });
});
