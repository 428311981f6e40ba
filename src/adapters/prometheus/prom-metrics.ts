import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { MetricName, Metrics } from '../../ports/metrics';

const HELP: Record<MetricName, { help: string; labels: string[] }> = {
  reports_accepted_total: { help: 'Reports counted', labels: [] },
  reports_rejected_total: { help: 'Reports refused, by reason', labels: ['reason'] },
  report_details_total: { help: 'Report details stored or rejected, by reason', labels: ['outcome', 'reason'] },
  rate_limit_rejections_total: { help: 'Requests refused by a rate limit, by scope', labels: ['scope'] },
  rate_limiter_errors_total: { help: 'Rate limiter store errors (the request was allowed: fail-open)', labels: ['op'] },
  client_log_entries_total: { help: 'Client log entries accepted, by level', labels: ['level'] },
  beacons_total: {
    help: 'Update-check beacons, by outcome: accepted (well formed; whether its app counts it is not told here), or why it was ignored',
    labels: ['outcome'],
  },
  beacons_refused_total: { help: 'Devices of beacons and reports left uncounted, by reason (ip_limit, cell_cap, pending_cap)', labels: ['reason'] },
  connections_closed_total: { help: 'Connections closed by the connection guard, by reason', labels: ['reason'] },
};

/** The Metrics port on prom-client, with its own registry so tests and instances don't share state. */
export class PromMetrics implements Metrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  private readonly counters = new Map<MetricName, Counter<string>>();

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'telltale_' });
    for (const [name, { help, labels }] of Object.entries(HELP) as Array<[MetricName, { help: string; labels: string[] }]>) {
      this.counters.set(name, new Counter({ name: `telltale_${name}`, help, labelNames: labels, registers: [this.registry] }));
    }
    this.httpDuration = new Histogram({
      name: 'telltale_http_request_duration_seconds',
      help: 'HTTP request duration by route template and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [this.registry],
    });
  }

  increment(name: MetricName, labels: Record<string, string> = {}, by = 1): void {
    this.counters.get(name)!.inc(labels, by);
  }
}
