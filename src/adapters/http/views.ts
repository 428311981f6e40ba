import { dimensionsOf, type BlobRecord, type ReportGroup } from '../../domain/report';
import type { App, ReportKey } from '../../ports/app-directory';
import type { SummaryBucket } from '../../ports/report-repository';

// The JSON shapes of the API, shared by the HTTP routes and the CLI's --json output, so both
// speak the same snake_case.

// Wire names follow faynoSync's documents (snake_case); owner and storage bucket are never sent.
export function groupToWire(g: ReportGroup) {
  return {
    group_hash: g.groupHash,
    app_id: g.appId,
    ...dimensionsOf(g),
    stats: {
      count: g.stats.count,
      first_seen: g.stats.firstSeen.toISOString(),
      last_seen: g.stats.lastSeen.toISOString(),
      details_stored: g.stats.detailsStored,
      details_rejected: g.stats.detailsRejected,
    },
    status: g.status,
    resolved_at: g.resolvedAt?.toISOString() ?? null,
    resolved_by: g.resolvedBy,
    tags: [...g.tags],
    note: g.note,
    created_at: g.createdAt.toISOString(),
    updated_at: g.updatedAt.toISOString(),
  };
}

export function blobToWire(b: BlobRecord & { url: string }) {
  return {
    id: b.id,
    group_hash: b.groupHash,
    app_id: b.appId,
    ...dimensionsOf(b),
    storage: {
      driver: b.storage.driver,
      key: b.storage.key,
      compressed_size: b.storage.compressedSize,
      decompressed_size: b.storage.decompressedSize,
      content_type: b.storage.contentType,
      encoding: b.storage.encoding,
    },
    created_at: b.createdAt.toISOString(),
    expires_at: b.expiresAt.toISOString(),
    url: b.url,
  };
}

export function bucketToWire(b: SummaryBucket) {
  return { ...b.key, count: b.count, groups: b.groups, last_seen: b.lastSeen.toISOString() };
}

export function appToWire(app: App) {
  return { id: app.id, name: app.name, reports: app.reports, created_at: app.createdAt.toISOString(), updated_at: app.updatedAt.toISOString() };
}

export function keyToWire(app: App, key: ReportKey | null) {
  return {
    app_id: app.id,
    app_name: app.name,
    report_key: key?.key ?? null,
    created_at: key?.createdAt.toISOString() ?? null,
    updated_at: key?.updatedAt.toISOString() ?? null,
  };
}
