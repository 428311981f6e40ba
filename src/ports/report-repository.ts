import type { BlobRecord, GroupStatus, ReportEvent, ReportGroup } from '../domain/report';
import type { GroupFilter, SummaryDimension } from '../domain/group-query';

export { SUMMARY_DIMENSIONS, type GroupFilter, type SummaryDimension } from '../domain/group-query';

export interface GroupPage {
  items: ReportGroup[];
  total: number;
}

export interface SummaryQuery {
  appId: string;
  groupBy: SummaryDimension[];
  from?: Date;
  to?: Date;
}

export interface SummaryBucket {
  key: Partial<Record<SummaryDimension, string>>;
  count: number;
  groups: number;
  lastSeen: Date;
}

export interface TriageUpdate {
  status?: GroupStatus;
  tags?: string[];
  note?: string;
  at: Date;
  /** Who made the change; recorded as resolvedBy when the status becomes resolved. */
  by: string;
}

/** What one recordEvent did to its group, told by that same write (webhooks: group.new, group.regressed). */
export interface RecordOutcome {
  /** The group was seen for the first time. */
  created: boolean;
  /** The group was resolved and this report reopened it. */
  reopened: boolean;
}

export interface ReportRepository {
  /**
   * Counts one report in exactly one write: creates the group on first sight, otherwise bumps
   * count/lastSeen and the details counter, and reopens a resolved group (muted stays muted).
   */
  recordEvent(event: ReportEvent): Promise<RecordOutcome>;
  findGroup(appId: string, groupHash: string): Promise<ReportGroup | null>;
  /** Sorted by stats.lastSeen descending, then groupHash; page is 1-based. */
  listGroups(filter: GroupFilter, page: number, limit: number): Promise<GroupPage>;
  summarize(query: SummaryQuery): Promise<SummaryBucket[]>;
  updateTriage(appId: string, groupHash: string, update: TriageUpdate): Promise<ReportGroup | null>;
  /** Removes the group and its blob records; true when the group existed. */
  deleteGroup(appId: string, groupHash: string): Promise<boolean>;
  /** Removes every group and blob record of an app. */
  deleteAppData(appId: string): Promise<void>;

  insertBlob(record: BlobRecord): Promise<void>;
  /** Newest first. */
  listBlobs(appId: string, groupHash: string): Promise<BlobRecord[]>;
  findBlob(appId: string, id: string): Promise<BlobRecord | null>;
  /** Removes the records beyond the newest `keep` of a group and returns them. */
  trimBlobs(appId: string, groupHash: string, keep: number): Promise<BlobRecord[]>;
  /** Records whose expiresAt is at or before `at`, oldest first. */
  blobsExpiringBy(at: Date, limit: number): Promise<BlobRecord[]>;
  deleteBlobs(ids: string[]): Promise<void>;

  ping(): Promise<void>;
  close(): Promise<void>;
}
