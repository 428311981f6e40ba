import { groupHash } from '../../src/domain/group-hash';
import { parseReportInput } from '../../src/domain/report-validation';
import { reportBody } from '../fixtures/reports';

describe('groupHash', () => {
  it('is the lowercase hex sha256 of the seven fields joined by "|" (the issue\'s test vector)', () => {
    // printf '%s' 'my-app|1.4.2|stable|windows|amd64|update_failure|checksum_mismatch' | sha256sum
    expect(groupHash(reportBody())).toBe('b62676f6ed7bce3b8435025b21ee9cf3480c66f2ffb2a585faf67687838abc05');
  });

  it('ignores details, so unique stack traces never fragment a group', () => {
    const withDetails = { ...reportBody(), details: { encoding: 'gzip+base64', content_type: 'application/json', payload: 'AAAA' } };
    expect(groupHash(withDetails)).toBe(groupHash(reportBody()));
  });

  it('changes when any one of the seven dimensions changes', () => {
    const base = groupHash(reportBody());
    const variants = [
      reportBody({ application: { name: 'other-app' } }),
      reportBody({ application: { version: '1.4.3' } }),
      reportBody({ application: { channel: 'beta' } }),
      reportBody({ system: { platform: 'linux' } }),
      reportBody({ system: { arch: 'arm64' } }),
      reportBody({ event: { type: 'crash' } }),
      reportBody({ event: { reason: 'disk_full' } }),
    ];
    const hashes = new Set(variants.map(groupHash));
    expect(hashes.size).toBe(7);
    expect(hashes.has(base)).toBe(false);
  });

  it('cannot collide by moving a separator between fields, because no valid field may hold "|"', () => {
    for (const field of ['name', 'version', 'channel'] as const) {
      expect(() => parseReportInput(reportBody({ application: { [field]: 'a|b' } }))).toThrow(new RegExp(`^application\\.${field} must `));
    }
    expect(() => parseReportInput(reportBody({ system: { platform: 'a|b' } }))).toThrow(/^system\.platform must /);
    expect(() => parseReportInput(reportBody({ system: { arch: 'a|b' } }))).toThrow(/^system\.arch must /);
    expect(() => parseReportInput(reportBody({ event: { reason: 'a|b' } }))).toThrow(/^event\.reason must /);
  });
});
