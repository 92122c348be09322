// A real Prometheus (Debian's package) on 127.0.0.1 with its remote-write receiver on and its
// data in a temp folder, for tests of k6's Prometheus output and the Grafana dashboard.
import { ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { tempDir } from './e2e';

export interface Prometheus {
  readonly url: string;
  query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  get(path: string): Promise<unknown>;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startPrometheus(): Promise<Prometheus> {
  const dir = tempDir();
  writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 1h\n');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-remote-write-receiver',
      // k6 sends trends as native histograms (the CLI's default), which Prometheus 2.x takes only with this.
      '--enable-feature=native-histograms',
    ],
    { stdio: 'ignore' },
  );
  const failed = new Promise<never>((_, reject) =>
    child.once('error', (e) => reject(new Error(`cannot start prometheus (install it with \`make test-deps\`): ${e.message}`))),
  );
  const ready = (async () => {
    for (let i = 0; i < 100; i++) {
      try {
        if ((await fetch(`${url}/-/ready`)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('prometheus did not become ready in 10 s');
  })();
  await Promise.race([ready, failed]);
  const get = async (path: string) => {
    const body = (await (await fetch(url + path)).json()) as { status: string; data: unknown; error?: string };
    if (body.status !== 'success') throw new Error(`prometheus ${path}: ${body.error}`);
    return body.data;
  };
  return {
    url,
    get,
    query: async (expr) =>
      (
        (await get(`/api/v1/query?query=${encodeURIComponent(expr)}`)) as {
          result: { metric: Record<string, string>; value: [number, string] }[];
        }
      ).result,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
