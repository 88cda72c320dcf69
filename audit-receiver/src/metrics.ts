/**
 * Counters and a latency histogram in the Prometheus text format, per process (each replica has its own;
 * scrape the pods). Label values come from a fixed set, never from request text, so cardinality is bounded.
 */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class Metrics {
  private readonly counters = new Map<string, number>();
  private readonly histogram = { counts: BUCKETS.map(() => 0), sum: 0, count: 0 };

  delivery(outcome: string, reason: string, seconds: number): void {
    this.bump(`audit_receiver_deliveries_total{outcome="${outcome}",reason="${reason}"}`, 1);
    BUCKETS.forEach((bound, i) => {
      if (seconds <= bound) this.histogram.counts[i] = (this.histogram.counts[i] ?? 0) + 1;
    });
    this.histogram.sum += seconds;
    this.histogram.count += 1;
  }

  events(eventType: string, outcome: 'archived' | 'quarantined' | 'kept', count: number): void {
    if (count > 0) this.bump(`audit_receiver_events_total{event_type="${eventType}",outcome="${outcome}"}`, count);
  }

  render(): string {
    const lines = [
      '# HELP audit_receiver_deliveries_total Deliveries answered, by outcome and reason.',
      '# TYPE audit_receiver_deliveries_total counter',
      ...this.series('audit_receiver_deliveries_total'),
      '# HELP audit_receiver_events_total Events stored, by event type and where they went.',
      '# TYPE audit_receiver_events_total counter',
      ...this.series('audit_receiver_events_total'),
      '# HELP audit_receiver_delivery_seconds Time from request to answer.',
      '# TYPE audit_receiver_delivery_seconds histogram',
      ...BUCKETS.map((b, i) => `audit_receiver_delivery_seconds_bucket{le="${b}"} ${this.histogram.counts[i] ?? 0}`),
      `audit_receiver_delivery_seconds_bucket{le="+Inf"} ${this.histogram.count}`,
      `audit_receiver_delivery_seconds_sum ${this.histogram.sum}`,
      `audit_receiver_delivery_seconds_count ${this.histogram.count}`,
    ];
    return `${lines.join('\n')}\n`;
  }

  private bump(series: string, by: number): void {
    this.counters.set(series, (this.counters.get(series) ?? 0) + by);
  }

  private series(name: string): string[] {
    return [...this.counters]
      .filter(([series]) => series.startsWith(`${name}{`))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([series, value]) => `${series} ${value}`);
  }
}
