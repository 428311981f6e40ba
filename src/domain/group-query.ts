import type { EventType, GroupStatus, ReportGroup } from './report';

export const SUMMARY_DIMENSIONS = ['version', 'channel', 'platform', 'arch', 'type', 'reason'] as const;
export type SummaryDimension = (typeof SUMMARY_DIMENSIONS)[number];

export interface GroupFilter {
  /** The apps the caller may read; an empty list matches nothing. */
  appIds: string[];
  version?: string;
  channel?: string;
  platform?: string;
  arch?: string;
  type?: EventType;
  reason?: string;
  status?: GroupStatus;
  /** Inclusive bounds on stats.lastSeen. */
  from?: Date;
  to?: Date;
}


export function dimensionValue(g: ReportGroup, d: SummaryDimension): string {
  switch (d) {
    case 'version':
      return g.application.version;
    case 'channel':
      return g.application.channel;
    case 'platform':
      return g.system.platform;
    case 'arch':
      return g.system.arch;
    case 'type':
      return g.event.type;
    case 'reason':
      return g.event.reason;
  }
}

/** The reference semantics of a GroupFilter; every repository adapter must agree with it. */
export function matchesFilter(g: ReportGroup, f: GroupFilter): boolean {
  if (!f.appIds.includes(g.appId)) return false;
  if (f.version !== undefined && g.application.version !== f.version) return false;
  if (f.channel !== undefined && g.application.channel !== f.channel) return false;
  if (f.platform !== undefined && g.system.platform !== f.platform) return false;
  if (f.arch !== undefined && g.system.arch !== f.arch) return false;
  if (f.type !== undefined && g.event.type !== f.type) return false;
  if (f.reason !== undefined && g.event.reason !== f.reason) return false;
  if (f.status !== undefined && g.status !== f.status) return false;
  if (f.from !== undefined && g.stats.lastSeen.getTime() < f.from.getTime()) return false;
  if (f.to !== undefined && g.stats.lastSeen.getTime() > f.to.getTime()) return false;
  return true;
}

/** lastSeen descending, then groupHash and appId ascending, so pages are stable. */
export function compareGroups(a: ReportGroup, b: ReportGroup): number {
  return (
    b.stats.lastSeen.getTime() - a.stats.lastSeen.getTime() ||
    (a.groupHash < b.groupHash ? -1 : a.groupHash > b.groupHash ? 1 : 0) ||
    (a.appId < b.appId ? -1 : a.appId > b.appId ? 1 : 0)
  );
}

/** Summary buckets: most reports first, then most recent, then by key, so every adapter agrees. */
export function compareBuckets<B extends { key: object; count: number; lastSeen: Date }>(a: B, b: B): number {
  return b.count - a.count || b.lastSeen.getTime() - a.lastSeen.getTime() || JSON.stringify(a.key).localeCompare(JSON.stringify(b.key));
}
