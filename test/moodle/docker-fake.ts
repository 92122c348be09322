// A fake Docker Engine on a Unix socket serving recorded answers (test/fixtures/docker-engine):
// GET /containers/json, and per container its recorded stats answers in order (the last one
// again once they run out).
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import type { ContainerStats } from '../../cli/server-stats/docker-source';
import { ROOT } from '../helpers/paths';

const DIR = join(ROOT, 'test', 'fixtures', 'docker-engine');

export interface Recorded {
  readonly containers: readonly { Id: string; Names: string[] }[];
  /** Per container id, its stats answers in recorded order. */
  readonly stats: ReadonlyMap<string, (ContainerStats & { id: string })[]>;
}

export function recordedAnswers(): Recorded {
  const containers = JSON.parse(readFileSync(join(DIR, 'containers.json'), 'utf8')) as Recorded['containers'];
  const stats = new Map<string, (ContainerStats & { id: string })[]>();
  for (const line of readFileSync(join(DIR, 'stats.jsonl'), 'utf8').split('\n').filter(Boolean)) {
    const s = JSON.parse(line) as ContainerStats & { id: string };
    stats.set(s.id, [...(stats.get(s.id) ?? []), s]);
  }
  return { containers, stats };
}

export async function startFakeEngine(socketPath: string): Promise<{ close(): Promise<void>; served: () => number }> {
  const rec = recordedAnswers();
  const next = new Map<string, number>();
  let served = 0;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://docker');
    const m = /^\/containers\/([^/]+)\/stats$/.exec(url.pathname);
    let body: unknown;
    if (url.pathname === '/containers/json') body = rec.containers;
    else if (m && rec.stats.has(m[1] as string)) {
      const answers = rec.stats.get(m[1] as string) as ContainerStats[];
      const i = next.get(m[1] as string) ?? 0;
      next.set(m[1] as string, i + 1);
      body = answers[Math.min(i, answers.length - 1)];
      served++;
    }
    res.writeHead(body === undefined ? 404 : 200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body ?? { message: 'page not found' }));
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return { close: () => new Promise((resolve) => server.close(() => resolve())), served: () => served };
}
