/** Counters the service bumps; the Prometheus adapter exposes them, tests read the memory one. */
export interface Metrics {
  increment(name: MetricName, labels?: Record<string, string>, by?: number): void;
}

export type MetricName =
  | 'reports_accepted_total'
  | 'reports_rejected_total'
  | 'report_details_total'
  | 'rate_limit_rejections_total'
  | 'rate_limiter_errors_total'
  | 'client_log_entries_total'
  | 'beacons_total'
  | 'beacons_refused_total'
  | 'connections_closed_total';
