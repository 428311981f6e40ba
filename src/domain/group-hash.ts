import { createHash } from 'node:crypto';
import type { ReportDimensions } from './report';

// The join is unambiguous only because no validated field can contain '|'
// (see report-validation.ts); changing a charset there must keep it that way.
export function groupHash(d: ReportDimensions): string {
  const canonical = [
    d.application.name,
    d.application.version,
    d.application.channel,
    d.system.platform,
    d.system.arch,
    d.event.type,
    d.event.reason,
  ].join('|');
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

export const GROUP_HASH_PATTERN = /^[0-9a-f]{64}$/;
