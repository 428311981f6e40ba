import { ValidationError } from '../../src/domain/errors';
import { parseReportInput } from '../../src/domain/report-validation';
import { reportBody } from '../fixtures/reports';

const rejects = (body: unknown) => {
  try {
    parseReportInput(body);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).message;
  }
  throw new Error('expected a ValidationError');
};

const VERSION_RULE = 'application.version must look like 1.4.2 or 1.4.2-beta.1 (SemVer, or digits, "." and "-"; at most 64 characters)';

describe('parseReportInput', () => {
  it('accepts faynoSync\'s example report', () => {
    expect(parseReportInput(reportBody())).toEqual(reportBody());
  });

  it('accepts what faynoSync accepts: spaces and dashes in names, dashed versions and platforms, dotted reasons', () => {
    const body = reportBody({
      application: { name: 'My App-2', version: '1.0.0-1', channel: 'beta2' },
      system: { platform: 'linux-musl', arch: 'arm64' },
      event: { type: 'rollback_failure', reason: 'sig.verify-failed_2' },
    });
    expect(parseReportInput(body)).toEqual(body);
  });

  it.each(['1.4.2-beta.1', '2.0.0+build.7', '1.0.0-rc.1+sha.5114f85', '1.0.0-alpha-a.b-c', '10.20.30', '1.2', '1..2', '-'])(
    'accepts the version %s (SemVer 2.0, or faynoSync\'s [0-9.-]+)',
    (version) => {
      expect(parseReportInput(reportBody({ application: { version } })).application.version).toBe(version);
    },
  );

  it('accepts arch and channel names with _ and - (x86_64, beta-2, nightly_build)', () => {
    const body = reportBody({ application: { channel: 'beta-2' }, system: { arch: 'x86_64' } });
    expect(parseReportInput(body)).toEqual(body);
    expect(parseReportInput(reportBody({ application: { channel: 'nightly_build' } })).application.channel).toBe('nightly_build');
  });

  it.each(['crash', 'startup_failure', 'update_failure', 'install_failure', 'rollback_failure'])('accepts event.type %s', (type) => {
    expect(parseReportInput(reportBody({ event: { type: type as never } })).event.type).toBe(type);
  });

  it.each([
    [{ application: { version: '1.4.2-beta+' } }, VERSION_RULE],
    [{ application: { version: '01.4.2-beta' } }, VERSION_RULE],
    [{ application: { version: '1.4.2|x' } }, VERSION_RULE],
    [{ application: { channel: 'stable|2' } }, 'application.channel must be 1 to 64 letters, digits, "_" or "-"'],
    [{ application: { channel: 'beta 2' } }, 'application.channel must be 1 to 64 letters, digits, "_" or "-"'],
    [{ application: { name: 'my_app' } }, 'application.name must be 1 to 128 letters, digits, spaces or "-"'],
    [{ system: { platform: 'win_32' } }, 'system.platform must be 1 to 64 letters, digits or "-"'],
    [{ system: { arch: 'x86.64' } }, 'system.arch must be 1 to 32 letters, digits, "_" or "-"'],
    [{ system: { arch: 'x86|64' } }, 'system.arch must be 1 to 32 letters, digits, "_" or "-"'],
    [{ event: { type: 'oops' } }, 'event.type must be one of crash, startup_failure, update_failure, install_failure, rollback_failure'],
    [{ event: { reason: 'has space' } }, 'event.reason must be 1 to 128 letters, digits, ".", "_" or "-"'],
    [{ event: { reason: 'r'.repeat(129) } }, 'event.reason must be 1 to 128 letters, digits, ".", "_" or "-"'],
    [{ application: { name: 'n'.repeat(129) } }, 'application.name must be 1 to 128 letters, digits, spaces or "-"'],
    [{ application: { version: '' } }, VERSION_RULE],
  ])('names the field and its rule when it is invalid: %j', (override, message) => {
    expect(rejects(reportBody(override as never))).toBe(message);
  });

  it('names a missing field with its full path', () => {
    const body = reportBody() as unknown as { system: Record<string, unknown> };
    delete body.system.arch;
    expect(rejects(body)).toBe('missing system.arch');
    expect(rejects({ application: reportBody().application, system: reportBody().system })).toBe('missing event');
  });

  it('refuses a body that is not an object', () => {
    expect(rejects([])).toBe('body must be a JSON object');
    expect(rejects('x')).toBe('body must be a JSON object');
    expect(rejects(null)).toBe('body must be a JSON object');
  });

  it('when a version starts with v, then the refusal shows what a version looks like', () => {
    expect(rejects(reportBody({ application: { version: 'v1.4.2' } }))).toBe(VERSION_RULE);
  });

  it('when a field has no brief rule, then it is named as invalid with its bound', () => {
    expect(rejects({ ...reportBody(), details: { encoding: 5, content_type: 'x', payload: 'y' } })).toBe('details.encoding must be a string of at most 64 characters');
    expect(rejects({ ...reportBody(), application: 'x' })).toBe('application must be an object');
  });

  it('refuses a field of the wrong type', () => {
    expect(rejects(reportBody({ application: { version: 142 as never } }))).toBe(VERSION_RULE);
  });

  it('requires all three details fields when details are sent', () => {
    expect(rejects({ ...reportBody(), details: { encoding: 'gzip+base64' } })).toBe('missing details.content_type');
  });
});
