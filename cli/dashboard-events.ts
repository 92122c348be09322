// Decodes k6's web-dashboard event stream (xk6-dashboard, built into k6). Its events are
// self-describing: `param` names the aggregates of each metric type, `metric` announces
// metric names as they appear, and each `cumulative` event carries, for every known metric
// in name order, an array of those aggregates since the test started.

export type MetricValues = Record<string, number>;

export interface DashboardEvent {
  readonly event: string;
  readonly data: string;
}

/** Splits a Server-Sent Events byte stream into events; feed it chunks as they arrive. */
export class SseParser {
  private buffer = '';

  feed(chunk: string): DashboardEvent[] {
    this.buffer += chunk.replace(/\r\n/g, '\n');
    const events: DashboardEvent[] = [];
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length > 0) events.push({ event, data: data.join('\n') });
    }
    return events;
  }
}

export class DashboardDecoder {
  private aggregates: Record<string, string[]> = {};
  private readonly types = new Map<string, string>();

  /** Returns the metrics of a `cumulative` event, or null for other (or undecodable) events. */
  accept(ev: DashboardEvent): Record<string, MetricValues> | null {
    let data: unknown;
    try {
      data = JSON.parse(ev.data);
    } catch {
      return null;
    }
    if (ev.event === 'param') {
      const aggs = (data as { aggregates?: Record<string, string[]> }).aggregates;
      if (aggs) this.aggregates = aggs;
      return null;
    }
    if (ev.event === 'metric') {
      for (const [name, meta] of Object.entries(data as Record<string, { type?: string }>)) this.types.set(name, meta.type ?? '');
      return null;
    }
    if (ev.event !== 'cumulative' || !Array.isArray(data)) return null;
    const names = [...this.types.keys()].sort();
    // Metrics announced after this event would shift the order: skip rather than misread.
    if (names.length !== data.length) return null;
    const out: Record<string, MetricValues> = {};
    names.forEach((name, i) => {
      const row: unknown = data[i];
      const aggs = this.aggregates[this.types.get(name) ?? ''] ?? [];
      if (!Array.isArray(row)) return;
      const values: MetricValues = {};
      aggs.forEach((agg, j) => {
        const v: unknown = row[j];
        if (typeof v === 'number') values[agg] = v;
      });
      out[name] = values;
    });
    return out;
  }
}
