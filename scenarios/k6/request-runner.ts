// One load iteration: pick the URL for this iteration number, send it in the VU's session,
// retry transient failures with backoff, classify, record. Tag objects are built once per
// VU so the hot path allocates as little as possible.
import exec from 'k6/execution';
import http, { type CookieJar } from 'k6/http';
import { sleep } from 'k6';
import { classifyResponse, HEAD_BYTES, isTransient, Outcome } from '../../lib/outcome';
import { FooterReader } from '../../lib/footer-bytes';
import { parsePerfFooter, PerfInfo, perfValues } from '../../lib/perf-footer';
import { uniform } from '../../lib/random';
import type { RequestLogRecord } from '../../lib/request-log';
import { writeRecord } from './channel';
import { backoffMs, parseRetryAfterMs, RetryPolicy } from '../../lib/retry';
import { stripSesskey } from '../../lib/browser/sesskey';
import { usersOf } from '../../lib/user-schedule';
import { k6ByteCodec } from './byte-codec';
import * as metrics from './metrics';
import { logFailure } from './failure-log';
import type { RunContext } from './run-context';
import type { VuSession } from './vu-session';
import type { JourneyRunner } from './journey-runner';

export type Phase = 'warmup' | 'load';

/** k6's own request timeout, which needs no per-request parameter. */
const K6_DEFAULT_TIMEOUT_SEC = 60;
/** Random draws 0..N fill the URL (request-plan.ts); retries draw from here on. */
const RETRY_DRAW_BASE = 1000;
/** Warm-up uses its own URL sequence, so the timed phase's sequence does not depend on it. */
const WARMUP_SEED_SALT = 0x5bd1e995;

type Params = { timeout?: string; responseType: 'binary' | 'text'; tags: Record<string, string>; jar?: CookieJar };

interface EndpointTags {
  /** Body as bytes (k6 hands the script a view of them, not a string), or as text for browser emulation. */
  readonly bytes: Params;
  readonly text: Params;
  readonly success: Record<string, string>;
  readonly failure: Record<string, string>;
  readonly attempt: Record<string, string>;
}

/** The first HEAD_BYTES of a body as a string (bytes as Latin-1: the markers are ASCII). */
function headOf(body: ArrayBuffer | null): string | null {
  if (body === null || body === undefined) return null;
  const bytes = new Uint8Array(body, 0, Math.min(body.byteLength, HEAD_BYTES));
  return String.fromCharCode.apply(null, bytes as unknown as number[]);
}

/** Called once per page after its last attempt (--emulate-browser: page-view.ts). */
export type AfterPage = (record: boolean, endpointIndex: number, url: string, ok: boolean, body: string | null, durationMs: number) => void;

export class RequestRunner {
  afterPage: AfterPage | null = null;
  /** Runs the iterations the plan gives to a journey (set when the config has journeys). */
  journeys: JourneyRunner | null = null;
  private readonly tags: EndpointTags[];
  /** Moodle's footer figures of the request at hand, one array reused (perfValues). */
  private readonly serverValues: number[] = [0, 0, 0, 0, 0, 0, 0];
  private readonly policy: RetryPolicy;
  private readonly footerReader = new FooterReader(k6ByteCodec);
  /** Whether VUs serve more than one user each (--users above --concurrency). */
  private readonly manyUsers: boolean;

  constructor(private readonly ctx: RunContext) {
    // k6 converts the params object on every request, so it holds only what differs from the
    // options (maxRedirects 0): the body's type, `name` (k6's URL-grouping tag, here the endpoint
    // name; warm-up and load differ by k6's own `scenario` tag) and a non-default timeout.
    const timeout = ctx.settings.requestTimeoutSec === K6_DEFAULT_TIMEOUT_SEC ? {} : { timeout: `${ctx.settings.requestTimeoutSec}s` };
    this.tags = ctx.endpoints.map((e) => ({
      bytes: { ...timeout, responseType: 'binary' as const, tags: { name: e.name } },
      text: { ...timeout, responseType: 'text' as const, tags: { name: e.name } },
      success: { endpoint: e.name, outcome: 'success' },
      failure: { endpoint: e.name, outcome: 'failure' },
      attempt: { endpoint: e.name },
    }));
    this.manyUsers = usersOf(ctx.settings) > ctx.settings.concurrency;
    this.policy = { retries: ctx.settings.retries, baseMs: ctx.settings.retryBaseMs, capMs: ctx.settings.retryMaxMs };
    // The closed model has no schedule of iteration numbers: it marks the end itself (closed-model.ts).
    this.lastSecondIteration =
      ctx.settings.thinkTimeSec !== undefined ? Infinity : Math.floor((ctx.settings.rpm / 60) * Math.max(0, ctx.settings.durationSec - 1));
  }

  /**
   * Iterations scheduled in the load phase's last second mark its end (LOAD_END): known from
   * the iteration number (the executor's schedule), so no clock is read on other iterations.
   */
  private readonly lastSecondIteration: number;

  /** `iteration`: exec.scenario.iterationInTest, read once per iteration by the caller. */
  run(session: VuSession, baseSeed: number, phase: Phase, iteration: number): void {
    const m = phase === 'load' ? metrics.load : metrics.warmup;
    const seed = phase === 'load' ? baseSeed : (baseSeed ^ WARMUP_SEED_SALT) >>> 0;
    const planned = this.ctx.plan.pick(seed, iteration);
    if (planned.journeyIndex >= 0) {
      (this.journeys as JourneyRunner).run(session, planned.journeyIndex, phase === 'load', iteration, seed);
      if (phase === 'load' && iteration >= this.lastSecondIteration) metrics.loadEnd.add(Date.now());
      return;
    }
    const i = planned.endpointIndex;
    const tags = this.tags[i] as EndpointTags;
    if (!session.ensure()) {
      this.finish(m, tags, i, { ok: false, reason: 'no_session' });
      return;
    }
    const url = this.ctx.baseUrl + planned.path;
    // Only browser emulation (assets and sesskey come from the whole page) costs k6 turning each
    // page into a string; otherwise the page stays bytes, and only its head and, on a site that
    // shows the performance footer (seen on its login form), the footer are decoded.
    const text = this.ctx.settings.emulateBrowser;
    const readFooter = session.footer || text;
    for (let attempt = 0; ; attempt++) {
      const started = this.ctx.settings.requestLog ? Date.now() : 0;
      if (attempt > 0) m.retries.add(1, tags.attempt);
      // The params objects are the VU's, and k6 reads them during the call only: the user's jar is set in
      // place. A VU of one user uses its own jar, k6's default, with no jar to convert per request.
      const params = text ? tags.text : tags.bytes;
      if (this.manyUsers) params.jar = session.jar;
      const res = http.get(url, params);
      // k6's Response is a reflected Go object: each field read converts it again (res.headers
      // a whole map), so each field is read once, and headers and body only when needed.
      const status = res.status;
      const is2xx = status >= 200 && status < 300;
      const raw = status !== 0 && (is2xx || readFooter) ? (res.body as string | ArrayBuffer | null) : null;
      const body = text ? (raw as string | null) : null;
      const head = !is2xx ? null : text ? body : headOf(raw as ArrayBuffer | null);
      const location = status >= 300 && status < 400 ? (res.headers.Location ?? null) : null;
      const durationMs = status === 0 ? 0 : res.timings.duration;
      const outcome: Outcome = classifyResponse(status, location, head, url, this.ctx.paths, status === 0 ? res.error_code : 0);
      if (status !== 0) m.duration.add(durationMs, outcome.ok ? tags.success : tags.failure);
      // The footer feeds the server metrics (successful load attempts) and the request log (all).
      // A page kept as bytes has its footer read in the warm-up too, figures unused: a VU's first read
      // of an endpoint searches back from the page's end, and every VU doing that at once when the
      // timed phase started made it drop iterations (BENCHMARKS.md, the warm-up's footer read). Text pages
      // (--emulate-browser) are parsed whole each time, so reading them early would gain nothing.
      const recordServer = outcome.ok && phase === 'load';
      const learnFooter = outcome.ok && !text;
      const perf = raw !== null && readFooter && (recordServer || learnFooter || this.ctx.settings.requestLog) ? this.perfOf(raw, i) : null;
      if (perf !== null && recordServer) metrics.server.add(perfValues(perf, this.serverValues), tags.attempt);
      if (this.ctx.settings.requestLog) this.log(phase, i, planned.path, status, durationMs, outcome, attempt, iteration, started, perf);
      if (!outcome.ok && this.ctx.settings.errorLog) {
        logFailure({
          t: Date.now(),
          vu: exec.vu.idInTest,
          user: session.username,
          endpoint: tags.attempt.endpoint as string,
          part: 'page',
          url: stripSesskey(url),
          status,
          reason: outcome.reason,
          error: status === 0 ? res.error : `HTTP ${status}${location === null ? '' : ` to ${stripSesskey(location)}`}`,
        });
      }
      if (outcome.ok || attempt >= this.policy.retries || !isTransient(outcome, status)) {
        this.finish(m, tags, i, outcome);
        if (this.afterPage !== null) this.afterPage(phase === 'load', i, url, outcome.ok, body, durationMs);
        if (phase === 'load' && iteration >= this.lastSecondIteration) metrics.loadEnd.add(Date.now());
        if (!outcome.ok && outcome.reason === 'session_lost') session.lost();
        return;
      }
      const retryAfter = parseRetryAfterMs(res.headers['Retry-After'], Date.now());
      sleep(backoffMs(this.policy, attempt, uniform(seed, iteration, RETRY_DRAW_BASE + attempt), retryAfter) / 1000);
    }
  }

  /** The footer of a page kept as text (browser emulation) or as bytes. */
  private perfOf(body: string | ArrayBuffer, endpointIndex: number): PerfInfo | null {
    return typeof body === 'string' ? parsePerfFooter(body) : this.footerReader.read(body, endpointIndex);
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

  private log(
    phase: Phase,
    endpointIndex: number,
    path: string,
    status: number,
    latencyMs: number,
    outcome: Outcome,
    attempt: number,
    iteration: number,
    started: number,
    perf: PerfInfo | null,
  ): void {
    const record: RequestLogRecord = {
      t: started,
      phase,
      endpoint: this.ctx.endpoints[endpointIndex]?.name ?? '',
      path,
      status,
      latency_ms: Math.round(latencyMs * 1000) / 1000,
      outcome: outcome.ok ? 'success' : 'failure',
      reason: outcome.ok ? '' : outcome.reason,
      attempt,
      vu: exec.vu.idInTest,
      iteration,
      db_reads: perf?.dbReads ?? null,
      db_writes: perf?.dbWrites ?? null,
      server_ms: perf === null ? null : Math.round(perf.timeMs * 1000) / 1000,
    };
    writeRecord('request', record);
  }
}
