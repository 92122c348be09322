// Follows k6's web-dashboard event stream and prints a progress line per period. The figures
// are k6's own aggregates; nothing is re-timed here.
import http from 'node:http';
import { DashboardDecoder, SseParser } from './dashboard-events';
import { isProgressSnapshot } from './dashboard-period';
import { progressLine, ProgressTarget } from './progress-line';

const RETRY_MS = 250;

/**
 * Connects (retrying until k6 has started its dashboard) and prints a line at the first snapshot
 * at or after every `progressSec` seconds, and the last one. Returns a stop function.
 */
export function followProgress(
  port: number,
  target: ProgressTarget,
  rhythm: { periodSec: number; progressSec: number },
  print: (line: string) => void,
): () => void {
  let stopped = false;
  let request: http.ClientRequest | undefined;
  let timer: NodeJS.Timeout | undefined;

  const connect = () => {
    if (stopped) return;
    const parser = new SseParser();
    const decoder = new DashboardDecoder();
    let seen = 0;
    let unprinted: string | undefined;
    request = http.get({ host: '127.0.0.1', port, path: '/events', headers: { Accept: 'text/event-stream' } }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        for (const ev of parser.feed(chunk)) {
          // k6 waits at its end for stream clients to leave: leave on its last event.
          if (ev.event === 'stop') {
            if (unprinted !== undefined) print(unprinted);
            request?.destroy();
            return;
          }
          const metrics = decoder.accept(ev);
          if (!metrics) continue;
          const line = progressLine(metrics, target);
          if (isProgressSnapshot(++seen, rhythm.periodSec, rhythm.progressSec)) {
            print(line);
            unprinted = undefined;
          } else unprinted = line;
        }
      });
    });
    request.on('error', () => {
      if (!stopped) timer = setTimeout(connect, RETRY_MS);
    });
  };
  connect();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    request?.destroy();
  };
}
