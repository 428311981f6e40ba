/**
 * A named, time-limited lease: work that must happen once across N instances (retention sweeps,
 * rollout evaluations, webhook delivery) runs only while its instance holds the lease.
 * Holders are opaque strings, unique per process (e.g. host:pid:random).
 */
export interface Lease {
  /**
   * Takes `name` for `holder` for `ttlMs` when it is free or expired, or extends it by `ttlMs`
   * from now when `holder` already holds it. Atomic: among concurrent contenders exactly one
   * gets true. True means `holder` holds the lease for (at least nearly) ttlMs from the call.
   */
  tryAcquire(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Frees `name` when `holder` holds it; does nothing otherwise (a lease taken over is not touched). */
  release(name: string, holder: string): Promise<void>;
  /** The current holder, or null when the lease is free or expired. */
  holder(name: string): Promise<string | null>;
  close(): Promise<void>;
}
