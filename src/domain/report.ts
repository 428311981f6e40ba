export const EVENT_TYPES = ['crash', 'startup_failure', 'update_failure', 'install_failure', 'rollback_failure'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const GROUP_STATUSES = ['open', 'resolved', 'muted'] as const;
export type GroupStatus = (typeof GROUP_STATUSES)[number];

/** The seven stable fields a report is grouped by. Nothing else ever enters a group. */
export interface ReportDimensions {
  application: { name: string; version: string; channel: string };
  system: { platform: string; arch: string };
  event: { type: EventType; reason: string };
}

export interface DetailsInput {
  encoding: string;
  content_type: string;
  payload: string;
}

/** The wire body of POST /reports/ingest (faynoSync's format). */
export interface ReportInput extends ReportDimensions {
  /** target_version: on update_failure, the version the device failed to update to; not a dimension. */
  event: ReportDimensions['event'] & { target_version?: string };
  details?: DetailsInput;
}

export interface GroupStats {
  count: number;
  firstSeen: Date;
  lastSeen: Date;
  detailsStored: number;
  detailsRejected: number;
}

export interface ReportGroup extends ReportDimensions {
  appId: string;
  groupHash: string;
  stats: GroupStats;
  status: GroupStatus;
  resolvedAt: Date | null;
  resolvedBy: string | null;
  tags: string[];
  note: string;
  createdAt: Date;
  updatedAt: Date;
}

export type DetailsOutcome = 'none' | 'stored' | 'rejected';

/** One counted report, as the repository receives it: dimensions only, never who sent it. */
export interface ReportEvent {
  appId: string;
  groupHash: string;
  dimensions: ReportDimensions;
  at: Date;
  details: DetailsOutcome;
}

export interface BlobRecord extends ReportDimensions {
  id: string;
  appId: string;
  groupHash: string;
  storage: {
    driver: string;
    key: string;
    compressedSize: number;
    decompressedSize: number;
    contentType: string;
    encoding: string;
  };
  createdAt: Date;
  expiresAt: Date;
}

/** Copies exactly the seven dimensions, so nothing else a client sent can reach storage. */
export function dimensionsOf(input: ReportDimensions): ReportDimensions {
  return {
    application: { name: input.application.name, version: input.application.version, channel: input.application.channel },
    system: { platform: input.system.platform, arch: input.system.arch },
    event: { type: input.event.type, reason: input.event.reason },
  };
}

/** A resolved group that sees a new event has regressed and opens again; muted stays muted. */
export function statusAfterEvent(status: GroupStatus): GroupStatus {
  return status === 'resolved' ? 'open' : status;
}
