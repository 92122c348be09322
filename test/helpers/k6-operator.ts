// The k6-operator's runner pods, as local k6 processes: exactly the command line and environment
// the operator gives them for deploy/k6-operator/testrun.yaml, and the starter's resume. Read from
// the k6-operator's source (github.com/grafana/k6-operator):
// - pkg/resources/jobs/runner.go, NewRunnerJob: `k6 run --quiet`, the segment flags, the TestRun's
//   `arguments` split on whitespace (api/v1alpha1/testrun_types.go, Argv), the script's path, then
//   `--address=0.0.0.0:6565 --paused --tag instance_id=<index> --tag testrun_name=<name>`; the
//   pod's environment is the TestRun's runner env. Index runs from 1.
// - pkg/segmentation/segmentation.go, NewCommandFragments: `--execution-segment=<(i-1)/n>:<i/n>`
//   and `--execution-segment-sequence=0,1/n,...,1`, fractions not reduced ("2/4").
// - pkg/resources/containers/curl_start.go: the starter PATCHes /v1/status of each runner with
//   {"data":{"attributes":{"paused":false,"stopped":false},"id":"default","type":"status"}}.
// The one change: each process's REST API on its own 127.0.0.1 port, as they share one machine.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { K6, SCENARIO, start } from './e2e';
import { ROOT } from './paths';
import { freePort } from './prometheus';

/** What testrun.yaml says: parallelism, the k6 arguments, the runner's environment (the fields we wrote, read as written). */
export function testRun(): { parallelism: number; argv: string[]; env: Record<string, string> } {
  const yaml = readFileSync(join(ROOT, 'deploy', 'k6-operator', 'testrun.yaml'), 'utf8');
  const parallelism = Number(/^ {2}parallelism: (\d+)$/m.exec(yaml)?.[1]);
  const argv = (/^ {2}arguments: (.+)$/m.exec(yaml)?.[1] ?? '').split(/\s+/).filter((a) => a !== '');
  const env: Record<string, string> = {};
  for (const m of yaml.matchAll(/^ {6}- name: (\S+)\n {8}value: "?([^"\n]*)"?$/gm)) env[m[1] as string] = m[2] as string;
  assert.ok(parallelism > 1 && argv.length > 0 && env.STREAM_STATS === '1', 'testrun.yaml read');
  return { parallelism, argv, env };
}

/** pkg/segmentation/segmentation.go: the segment flags of runner `index` (from 1) of `total`. */
export function segmentFlags(index: number, total: number): string[] {
  const part = (i: number) => (i === 0 ? '0' : i === total ? '1' : `${i}/${total}`);
  const sequence = Array.from({ length: total + 1 }, (_, i) => part(i)).join(',');
  return [`--execution-segment=${part(index - 1)}:${part(index)}`, `--execution-segment-sequence=${sequence}`];
}

async function waitForApi(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/v1/status`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`runner on ${port}: no REST API after 20 s`);
}

export interface OperatorRun {
  readonly parallelism: number;
  /** Each runner's log (stdout then stderr, as `kubectl logs` shows a pod's), in runner order. */
  readonly logs: string[];
}

/**
 * Starts the TestRun's runners as local k6 processes (its environment with `env` on top, as a user
 * edits the TestRun for a site), resumes them as the starter does, and writes their logs into `dir`.
 */
export async function runOperatorRunners(dir: string, env: Readonly<Record<string, string>>, timeoutMs: number): Promise<OperatorRun> {
  const { parallelism, argv, env: yamlEnv } = testRun();
  const runnerEnv: NodeJS.ProcessEnv = { PATH: process.env.PATH, ...yamlEnv, ...env };
  const runners = [];
  for (let index = 1; index <= parallelism; index++) {
    const port = await freePort();
    const args = ['run', '--quiet', ...segmentFlags(index, parallelism), ...argv, SCENARIO, `--address=127.0.0.1:${port}`, '--paused'];
    args.push('--tag', `instance_id=${index}`, '--tag', 'testrun_name=moodle-load');
    runners.push({ port, run: start(K6, args, { timeoutMs, env: runnerEnv }) });
  }
  for (const r of runners) await waitForApi(r.port);
  const resume = JSON.stringify({ data: { attributes: { paused: false, stopped: false }, id: 'default', type: 'status' } });
  for (const r of runners) {
    const res = await fetch(`http://127.0.0.1:${r.port}/v1/status`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json' },
      body: resume,
    });
    assert.equal(res.status, 200, await res.text());
  }
  const logs: string[] = [];
  for (const [i, r] of runners.entries()) {
    const { code, stdout, stderr } = await r.run.done;
    assert.equal(code, 0, stderr.slice(-2000));
    const path = join(dir, `runner-${i + 1}.log`);
    writeFileSync(path, stdout + stderr);
    logs.push(path);
  }
  return { parallelism, logs };
}
