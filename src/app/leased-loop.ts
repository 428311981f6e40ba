import type { Lease } from '../ports/lease';
import type { Logger } from '../ports/logger';

/**
 * Runs `run` every intervalMs on the one instance that holds the named lease. The holder renews
 * at every round; if it dies, another takes over once the lease expires.
 */
export class LeasedLoop {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly deps: {
      lease: Lease;
      name: string;
      holder: string;
      intervalMs: number;
      run: () => Promise<unknown>;
      logger?: Logger;
      /** Default: three intervals, at least 30 s, so a slow round keeps the lease. */
      ttlMs?: number;
    },
  ) {}

  /** One round: takes or renews the lease and runs when it holds it. True when it ran. */
  async tick(): Promise<boolean> {
    const { lease, name, holder, intervalMs } = this.deps;
    const ttl = this.deps.ttlMs ?? Math.max(3 * intervalMs, 30_000);
    if (!(await lease.tryAcquire(name, holder, ttl))) return false;
    await this.deps.run();
    return true;
  }

  start(): void {
    if (this.timer || this.stopped) return;
    const schedule = () => {
      this.timer = setTimeout(() => {
        this.running = this.tick()
          .catch((error: Error) => this.deps.logger?.warn({ err: { message: error.message }, task: this.deps.name }, 'leased task failed'))
          .finally(() => {
            if (!this.stopped) schedule();
          });
      }, this.deps.intervalMs);
      this.timer.unref();
    };
    schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
    await this.deps.lease.release(this.deps.name, this.deps.holder).catch(() => undefined);
  }
}
