import type { Clock } from '../ports/clock';
import type { Lease } from '../ports/lease';
import type { Logger } from '../ports/logger';

export interface LeasedTaskOptions {
  lease: Lease;
  /** One name per kind of work, shared by every instance: e.g. 'retention-sweep'. */
  name: string;
  /** This process, unique among the instances (e.g. host:pid:random). */
  holder: string;
  intervalMs: number;
  /** Defaults to 3 × intervalMs: another instance takes over after two missed renewals. */
  ttlMs?: number;
  /** The periodic work, e.g. `() => sweeper.sweepOnce()`; the signal aborts when the task stops (shutdown), so long work can end early. */
  job: (signal: AbortSignal) => Promise<unknown>;
  clock: Clock;
  logger: Logger;
}

export interface LeasedTaskHealth {
  name: string;
  leader: boolean;
  lastRunAt: Date | null;
  lastError: string | null;
}

/**
 * Runs a periodic job on one instance of many: every interval each instance tries to take or
 * renew the lease, and only the holder runs the job. A job that outlasts an interval is not
 * started twice; the ticks in between only renew the lease.
 */
export class LeasedTask {
  private readonly ttlMs: number;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private abort: AbortController | null = null;
  private leaderUntil = 0;
  private lastRunAt: Date | null = null;
  private lastError: string | null = null;

  constructor(private readonly options: LeasedTaskOptions) {
    if (!(options.intervalMs > 0)) throw new Error(`LeasedTask ${options.name}: intervalMs must be positive`);
    this.ttlMs = options.ttlMs ?? 3 * options.intervalMs;
  }

  /** Tries to take or renew the lease, then runs the job when this instance holds it. True when the job ran. */
  async tick(): Promise<boolean> {
    const { lease, name, holder, clock, logger } = this.options;
    const at = clock.now().getTime();
    const wasLeader = this.isLeader();
    let held: boolean;
    try {
      held = await lease.tryAcquire(name, holder, this.ttlMs);
    } catch (error) {
      // The lease we may hold still runs out on its own; until the store answers, no job starts.
      logger.warn({ err: { message: (error as Error).message }, lease: name }, 'lease renewal failed');
      return false;
    }
    this.leaderUntil = held ? at + this.ttlMs : 0;
    if (held !== wasLeader) logger.info({ lease: name, holder }, held ? 'lease acquired: running leased work here' : 'lease lost: another instance runs the work');
    if (!held || this.running) return false;
    this.running = this.runJob();
    await this.running;
    return true;
  }

  /** Holds the lease right now (the last renewal has not run out). */
  isLeader(): boolean {
    return this.leaderUntil > this.options.clock.now().getTime();
  }

  /** For readiness: the job's health means something only on the leader. */
  health(): LeasedTaskHealth {
    return { name: this.options.name, leader: this.isLeader(), lastRunAt: this.lastRunAt, lastError: this.lastError };
  }

  /** Ticks now and then every interval. */
  start(): void {
    if (this.timer) return;
    const tick = () => void this.tick().catch(() => undefined);
    this.timer = setInterval(tick, this.options.intervalMs);
    this.timer.unref();
    tick();
  }

  /** Stops ticking, waits for a running job, and frees the lease so another instance takes over at once. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.abort?.abort();
    await this.running;
    if (this.leaderUntil > 0) {
      this.leaderUntil = 0;
      await this.options.lease.release(this.options.name, this.options.holder).catch((error: Error) => {
        this.options.logger.warn({ err: { message: error.message }, lease: this.options.name }, 'lease release failed; it will expire');
      });
    }
  }

  private async runJob(): Promise<void> {
    this.abort = new AbortController();
    try {
      await this.options.job(this.abort.signal);
      this.lastError = null;
    } catch (error) {
      this.lastError = (error as Error).message;
      this.options.logger.warn({ err: { message: this.lastError }, lease: this.options.name }, 'leased job failed');
    } finally {
      this.lastRunAt = this.options.clock.now();
      this.running = null;
      this.abort = null;
    }
  }
}
