import type { MetricName, Metrics } from '../../ports/metrics';

export class MemoryMetrics implements Metrics {
  private readonly counts = new Map<string, number>();

  increment(name: MetricName, labels: Record<string, string> = {}, by = 1): void {
    const id = metricId(name, labels);
    this.counts.set(id, (this.counts.get(id) ?? 0) + by);
  }

  value(name: MetricName, labels: Record<string, string> = {}): number {
    return this.counts.get(metricId(name, labels)) ?? 0;
  }
}

const metricId = (name: string, labels: Record<string, string>) =>
  `${name}{${Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',')}}`;
