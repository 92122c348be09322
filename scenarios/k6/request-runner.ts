// One load iteration: pick the URL for this iteration number, send it in the VU's session,
// retry transient failures with backoff, classify, record. Tag objects are built once per
// VU so the hot path allocates as little as possible.
import exec from 'k6/execution';
import http from 'k6/http';
import { sleep } from 'k6';
import { classifyResponse, FailureReason, isTransient, Outcome } from '../../lib/outcome';
import { parsePerfFooter, PerfInfo } from '../../lib/perf-footer';
import { uniform } from '../../lib/random';
import { LOG_MARKER, RequestLogRecord } from '../../lib/request-log';
import { backoffMs, parseRetryAfterMs, RetryPolicy } from '../../lib/retry';
import * as metrics from './metrics';
import type { RunContext } from './run-context';
import type { VuSession } from './vu-session';

export type Phase = 'warmup' | 'load';

/** Random draws 0..N fill the URL (request-plan.ts); retries draw from here on. */
const RETRY_DRAW_BASE = 1000;
/** Warm-up uses its own URL sequence, so the timed phase's sequence does not depend on it. */
const WARMUP_SEED_SALT = 0x5bd1e995;

interface EndpointTags {
  readonly params: { redirects: number; responseType: 'text'; timeout: string; tags: Record<string, string> };
  readonly success: Record<string, string>;
  readonly failure: Record<string, string>;
  readonly attempt: Record<string, string>;
}

export class RequestRunner {
  private readonly tags: Record<Phase, EndpointTags[]>;
  private readonly policy: RetryPolicy;

  constructor(private readonly ctx: RunContext) {
    const build = (phase: Phase) =>
      ctx.endpoints.map((e) => ({
        params: { redirects: 0, responseType: 'text' as const, timeout: `${ctx.settings.requestTimeoutSec}s`, tags: { name: e.name, endpoint: e.name, phase } },
        success: { endpoint: e.name, outcome: 'success' },
        failure: { endpoint: e.name, outcome: 'failure' },
        attempt: { endpoint: e.name },
      }));
    this.tags = { warmup: build('warmup'), load: build('load') };
    this.policy = { retries: ctx.settings.retries, baseMs: ctx.settings.retryBaseMs, capMs: ctx.settings.retryMaxMs };
  }

  /** Requests ending after this epoch ms mark the load phase's end (see LOAD_END). */
  private endWindowMs = Infinity;

  setLoadStart(loadStartMs: number): void {
    this.endWindowMs = loadStartMs + (this.ctx.settings.durationSec - 1) * 1000;
  }

  run(session: VuSession, baseSeed: number, phase: Phase): void {
    const m = phase === 'load' ? metrics.load : metrics.warmup;
    const seed = phase === 'load' ? baseSeed : (baseSeed ^ WARMUP_SEED_SALT) >>> 0;
    const iteration = exec.scenario.iterationInTest;
    const planned = this.ctx.plan.pick(seed, iteration);
    const i = planned.endpointIndex;
    const tags = this.tags[phase][i] as EndpointTags;
    if (!session.ensure()) {
      this.finish(m, tags, i, { ok: false, reason: 'no_session' });
      return;
    }
    const url = this.ctx.baseUrl + planned.path;
    for (let attempt = 0; ; attempt++) {
      const started = Date.now();
      const res = http.get(url, tags.params);
      const body = typeof res.body === 'string' ? res.body : null;
      const outcome: Outcome = classifyResponse(res.status, res.headers.Location ?? null, body, url, this.ctx.paths, res.error_code);
      m.attempts.add(1, tags.attempt);
      if (res.status !== 0) m.duration.add(res.timings.duration, outcome.ok ? tags.success : tags.failure);
      const perf = body === null ? null : parsePerfFooter(body);
      if (perf !== null && phase === 'load' && outcome.ok) for (const s of metrics.server) s.trend.add(perf[s.field], tags.attempt);
      if (this.ctx.settings.requestLog) this.log(phase, i, planned.path, res.status, res.timings.duration, outcome, attempt, iteration, started, perf);
      if (outcome.ok || attempt >= this.policy.retries || !isTransient(outcome, res.status)) {
        this.finish(m, tags, i, outcome);
        if (phase === 'load') {
          const now = Date.now();
          if (now >= this.endWindowMs) metrics.loadEnd.add(now);
        }
        if (!outcome.ok && outcome.reason === 'session_lost') session.lost();
        return;
      }
      const retryAfter = parseRetryAfterMs(res.headers['Retry-After'], Date.now());
      sleep(backoffMs(this.policy, attempt, uniform(seed, iteration, RETRY_DRAW_BASE + attempt), retryAfter) / 1000);
    }
  }

  private finish(m: metrics.PhaseMetrics, tags: EndpointTags, endpointIndex: number, outcome: Outcome): void {
    // no_session iterations end here too; they sent nothing, so they do not move LOAD_END.
    if (outcome.ok) {
      m.requests.add(1, tags.success);
      return;
    }
    m.requests.add(1, tags.failure);
    m.failures.add(1, { endpoint: this.ctx.endpoints[endpointIndex]?.name ?? '', reason: outcome.reason });
  }

  private log(phase: Phase, endpointIndex: number, path: string, status: number, latencyMs: number, outcome: Outcome, attempt: number, iteration: number, started: number, perf: PerfInfo | null): void {
    const record: RequestLogRecord = {
      t: started,
      phase,
      endpoint: this.ctx.endpoints[endpointIndex]?.name ?? '',
      path,
      status,
      latency_ms: Math.round(latencyMs * 1000) / 1000,
      outcome: outcome.ok ? 'success' : 'failure',
      reason: outcome.ok ? '' : (outcome.reason as FailureReason),
      attempt,
      vu: exec.vu.idInTest,
      iteration,
      db_reads: perf?.dbReads ?? null,
      db_writes: perf?.dbWrites ?? null,
      server_ms: perf === null ? null : Math.round(perf.timeMs * 1000) / 1000,
    };
    console.log(LOG_MARKER + JSON.stringify(record));
  }
}
