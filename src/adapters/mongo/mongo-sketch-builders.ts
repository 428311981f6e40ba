import type { Document, Filter } from 'mongodb';
import { HLL_REGISTERS, emptyRegisters, type Registers } from '../../domain/hyperloglog';
import { sketchKeyId } from '../../domain/rollout-cell';
import type { SketchGranularity, SketchKey, SketchKind, SketchQuery } from '../../ports/device-sketches';

// The device sketches' filters and updates, built without a driver so test/unit/mongo-sketch-builders
// can evaluate them with mingo. Registers are sparse fields r.<index>: rank, so a merge is one
// updateOne with a $max per set register: MongoDB does the register-wise max itself, atomically.

export const SKETCH_COLLECTIONS = { sketches: 'device_sketches', dayKeys: 'sketch_day_keys' } as const;

export interface SketchDocument {
  _id: string;
  app_id: string;
  granularity: SketchGranularity;
  bucket: Date;
  kind: SketchKind;
  version: string;
  channel: string;
  platform: string;
  arch: string;
  r: Record<string, number>;
  /** The TTL index removes the sketch at the end of its retention. */
  expiresAt: Date;
}

export const sketchIdFilter = (key: SketchKey): Filter<SketchDocument> => ({ _id: { $eq: sketchKeyId(key) } });

/** Upsert with the key's fields ($set: always the same values) and one $max per non-zero register. */
export function sketchMergeUpdate(key: SketchKey, registers: Registers, expiresAt: Date): Document {
  const max: Record<string, number> = {};
  for (let i = 0; i < HLL_REGISTERS; i++) if (registers[i] !== 0) max[`r.${i}`] = registers[i]!;
  return {
    $set: {
      app_id: key.appId,
      granularity: key.granularity,
      bucket: key.bucket,
      kind: key.kind,
      version: key.cell.version,
      channel: key.cell.channel,
      platform: key.cell.platform,
      arch: key.cell.arch,
      expiresAt,
    },
    ...(Object.keys(max).length > 0 ? { $max: max } : {}),
  };
}

export function sketchReadFilter(query: SketchQuery): Filter<SketchDocument> {
  const filter: Document = {
    app_id: { $eq: query.appId },
    granularity: { $eq: query.granularity },
    bucket: { $gte: query.from, $lt: query.to },
  };
  for (const field of ['version', 'channel', 'platform', 'arch'] as const) {
    const value = query.cell?.[field];
    if (value !== undefined) filter[field] = { $eq: value };
  }
  if (query.kinds) filter.kind = { $in: [...query.kinds] };
  return filter as Filter<SketchDocument>;
}

/** The distinct cells with a daily sketch of `day`, one group per cell. */
export function sketchCellsPipeline(appId: string, day: Date): Document[] {
  return [
    { $match: { app_id: { $eq: appId }, granularity: { $eq: 'day' }, bucket: { $eq: day } } },
    { $group: { _id: { version: '$version', channel: '$channel', platform: '$platform', arch: '$arch' } } },
  ];
}

export const sketchExpiryFilter = (granularity: SketchGranularity, before: Date): Filter<SketchDocument> => ({
  granularity: { $eq: granularity },
  bucket: { $lt: before },
});

export function fromSketchDocument(doc: SketchDocument): { key: SketchKey; registers: Registers } {
  const registers = emptyRegisters();
  for (const [index, rank] of Object.entries(doc.r ?? {})) registers[Number(index)] = rank;
  return {
    key: {
      appId: doc.app_id,
      granularity: doc.granularity,
      bucket: new Date(doc.bucket),
      kind: doc.kind,
      cell: { version: doc.version, channel: doc.channel, platform: doc.platform, arch: doc.arch },
    },
    registers,
  };
}
