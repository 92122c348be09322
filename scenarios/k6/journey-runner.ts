// One journey: its steps in the VU's session, each opening a page or submitting the form of the
// page before (redirects followed by hand, so each Moodle page is a request of the step and a
// redirect to the login form is a lost session), with think time between steps. Records per
// step and per journey (load phase), and what successful steps wrote (the whole run).
import exec from 'k6/execution';
import http, { RefinedResponse, ResponseType } from 'k6/http';
import { sleep } from 'k6';
import { stripSesskey } from '../../lib/browser/sesskey';
import type { Journey, JourneyStep } from '../../lib/journeys/journey-types';
import type { JourneyFailureReason } from '../../lib/journeys/journey-metric-names';
import { formErrorMessage, moodleErrorMessage } from '../../lib/journeys/page-verdict';
import { quizAnswers } from '../../lib/journeys/quiz-answers';
import { encodeForm, render, startValues, takeValue, Values } from '../../lib/journeys/step-values';
import { httpFailureReason } from '../../lib/outcome';
import { parsePerfFooter } from '../../lib/perf-footer';
import { uniform } from '../../lib/random';
import { basePathOf, pathOf, resolveLocation } from '../../lib/url';
import { logFailure } from './failure-log';
import { readForm } from './journey-page';
import type { JourneyMetrics } from './metrics';
import type { RunContext } from './run-context';
import type { VuSession } from './vu-session';

/** Redirects one step follows (Moodle's form posts answer with one or two). */
const MAX_REDIRECTS = 10;
/** Times a repeat_while_path step submits at most (a quiz of 50 pages). */
const MAX_REPEATS = 50;
/** Random draws of a journey start here (the page-view plan uses 0..999, retries 1000..). */
const DRAW_BASE = 3000;

type Res = RefinedResponse<ResponseType | undefined>;

/** Where a step ended: the page and what it cost. */
interface Landed {
  url: string;
  html: string;
  ms: number;
  reads: number;
  writes: number;
  footers: number;
  requests: number;
  status: number;
}

interface Failed {
  reason: JourneyFailureReason;
  message: string;
  status: number;
  url: string;
  /** Requests sent before it failed. */
  requests: number;
}

interface StepTags {
  readonly step: Record<string, string>;
  /** One tag object per kind the step creates, built once. */
  readonly created: readonly Record<string, string>[];
  readonly http: { tags: Record<string, string>; responseType: 'text'; timeout?: string };
  readonly post: { tags: Record<string, string>; responseType: 'text'; timeout?: string; headers: Record<string, string> };
}

export class JourneyRunner {
  private readonly turns: number[];
  private readonly basePath: string;
  private readonly tags: {
    success: Record<string, string>;
    failure: Record<string, string>;
    journey: Record<string, string>;
    steps: StepTags[];
  }[];
  /** Failures already written to k6's log by this VU (each distinct one once). */
  private readonly warned = new Set<string>();
  private draws = 0;
  /** Called with a step's index when it succeeds (an exam start times its start step). */
  onStepDone: ((index: number) => void) | null = null;
  private seed = 0;
  private iteration = 0;

  constructor(
    private readonly ctx: RunContext,
    private readonly metrics: JourneyMetrics,
  ) {
    this.turns = ctx.config.journeys.map(() => 0);
    this.basePath = basePathOf(ctx.baseUrl);
    const timeout = ctx.settings.requestTimeoutSec === 60 ? {} : { timeout: `${ctx.settings.requestTimeoutSec}s` };
    this.tags = ctx.config.journeys.map((j) => ({
      success: { journey: j.name, outcome: 'success' },
      failure: { journey: j.name, outcome: 'failure' },
      journey: { journey: j.name },
      steps: j.steps.map((s) => {
        const tags = { name: `${j.name}.${s.name}` };
        return {
          step: { journey: j.name, step: s.name },
          created: s.creates.map((kind) => ({ kind })),
          http: { ...timeout, tags, responseType: 'text' as const },
          post: { ...timeout, tags, responseType: 'text' as const, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } },
        };
      }),
    }));
  }

  private draw = (n: number): number => Math.min(n - 1, Math.floor(uniform(this.seed, this.iteration, DRAW_BASE + this.draws++) * n));

  run(session: VuSession, index: number, record: boolean, iteration: number, seed: number): void {
    const j = this.ctx.config.journeys[index] as Journey;
    const tags = this.tags[index] as (typeof this.tags)[number];
    this.seed = seed;
    this.iteration = iteration;
    this.draws = 0;
    const turn = this.turns[index] ?? 0;
    this.turns[index] = turn + 1;
    const values = startValues(j, exec.vu.idInTest, iteration, turn);
    if (!session.ensure()) {
      this.fail(record, index, 0, session, {
        reason: 'no_session',
        message: 'no Moodle session (login failed)',
        status: 0,
        url: '',
        requests: 0,
      });
      return;
    }
    let page: Landed | null = null;
    let busyMs = 0;
    for (let i = 0; i < j.steps.length; i++) {
      const step = j.steps[i] as JourneyStep;
      const st = tags.steps[i] as StepTags;
      if (i > 0 && j.think[1] > 0) sleep(j.think[0] + (j.think[1] - j.think[0]) * uniform(seed, iteration, DRAW_BASE - 1 - i));
      const result = this.step(step, st, page, values);
      if (record) this.metrics.requests.add(result.requests, st.step);
      if ('reason' in result) {
        if (result.reason === 'session_lost') session.lost();
        this.fail(record, index, i, session, result);
        return;
      }
      page = result;
      busyMs += result.ms;
      if (record) {
        this.metrics.stepDuration.add(result.ms, st.step);
        if (result.footers > 0) {
          this.metrics.dbReads.add(result.reads, st.step);
          this.metrics.dbWrites.add(result.writes, st.step);
        }
      }
      for (const kindTags of st.created) this.metrics.created.add(1, kindTags);
      if (this.onStepDone !== null) this.onStepDone(i);
    }
    if (record) {
      this.metrics.journeys.add(1, tags.success);
      this.metrics.duration.add(busyMs, tags.journey);
    }
  }

  /** A step: its page or form, redirects, repeats while asked, the checks and the takes. */
  private step(step: JourneyStep, st: StepTags, page: Landed | null, values: Values): Landed | Failed {
    let landed: Landed | Failed =
      step.path !== undefined ? this.open(this.ctx.baseUrl + render(step.path, values), st) : this.submit(step, st, page as Landed, values);
    let requests = landed.requests;
    for (
      let n = 0;
      step.repeat_while_path !== undefined && 'html' in landed && pathOf(landed.url) === this.basePath + step.repeat_while_path;
      n++
    ) {
      if (n >= MAX_REPEATS)
        return {
          reason: 'too_many_pages',
          message: `still on ${step.repeat_while_path} after ${MAX_REPEATS} submits`,
          status: 200,
          url: landed.url,
          requests,
        };
      const before: Landed = landed;
      landed = this.submit(step, st, before, values);
      requests += landed.requests;
      if ('html' in landed)
        landed = {
          ...landed,
          ms: landed.ms + before.ms,
          reads: landed.reads + before.reads,
          writes: landed.writes + before.writes,
          footers: landed.footers + before.footers,
        };
    }
    if (!('html' in landed)) return { ...landed, requests };
    const done: Landed = { ...landed, requests };
    if (step.expect_path !== undefined && pathOf(done.url) !== this.basePath + step.expect_path) {
      const said = moodleErrorMessage(done.html) ?? formErrorMessage(done.html);
      return {
        reason: 'unexpected_page',
        message: `ended on ${pathOf(done.url)}, not ${step.expect_path}${said === null ? '' : `: ${said}`}`,
        status: done.status,
        url: done.url,
        requests,
      };
    }
    for (const [name, rule] of Object.entries(step.take)) {
      const v = takeValue(rule, done.url, done.html, this.draw);
      if (v === undefined)
        return {
          reason: 'take_missing',
          message: `found no ${name} (${rule.match ?? `url_param ${rule.url_param}`}) on ${pathOf(done.url)}`,
          status: done.status,
          url: done.url,
          requests,
        };
      values[name] = v;
    }
    return done;
  }

  /**
   * setup()'s check, in the probe's session, before any load: the journey's first page opens
   * (with its params) and, when the next step submits, the form has the fields and button the
   * step names. GETs only: nothing is written. A form that is not on the page may be the user's
   * state (an assignment this user has submitted), so that is a warning, not a stop.
   */
  check(index: number): { stop: string | null; warning: string | null } {
    const j = this.ctx.config.journeys[index] as Journey;
    const st = (this.tags[index] as (typeof this.tags)[number]).steps;
    const first = j.steps[0] as JourneyStep;
    let page = this.step(first, st[0] as StepTags, null, startValues(j, 1, 0, 0));
    // A fault of the moment must not stop the run: a real site once answered "Unable to acquire a lock
    // for caching" when two instances of a split test checked at once. A page that is not there fails twice.
    if ('reason' in page) {
      sleep(1);
      page = this.step(first, st[0] as StepTags, null, startValues(j, 1, 0, 0));
    }
    if ('reason' in page) return { stop: `step ${first.name}: ${page.reason}: ${page.message}`, warning: null };
    const next = j.steps[1];
    if (next?.submit === undefined) return { stop: null, warning: null };
    const form = readForm(page.html, next.submit, false);
    const where = `form ${next.submit} on ${pathOf(page.url)}`;
    if (form === null) return { stop: null, warning: `step ${next.name}: no ${where} for the first user` };
    for (const name of Object.keys(next.fields))
      if (!form.names.has(name)) return { stop: `step ${next.name}: ${where} has no field ${name}`, warning: null };
    if (next.button !== undefined && !form.buttons.has(next.button))
      return { stop: `step ${next.name}: ${where} has no button ${next.button}`, warning: null };
    return { stop: null, warning: null };
  }

  private submit(step: JourneyStep, st: StepTags, page: Landed, values: Values): Landed | Failed {
    const selector = step.submit as string;
    const form = readForm(page.html, selector, step.answer === 'quiz');
    const where = pathOf(page.url);
    if (form === null)
      return { reason: 'form_missing', message: `no form ${selector} on ${where}`, status: page.status, url: page.url, requests: 0 };
    const pairs = form.pairs.slice();
    const set: Record<string, string> = step.answer === 'quiz' ? quizAnswers(form.questions, this.draw) : {};
    for (const [name, t] of Object.entries(step.fields)) set[name] = render(t, values);
    for (const [name, value] of Object.entries(set)) {
      if (!form.names.has(name))
        return {
          reason: 'field_missing',
          message: `form ${selector} on ${where} has no field ${name}`,
          status: page.status,
          url: page.url,
          requests: 0,
        };
      const at = pairs.findIndex((p) => p.name === name);
      if (at >= 0) pairs[at] = { name, value };
      else pairs.push({ name, value });
    }
    const button = step.button ?? form.buttons.keys().next().value;
    if (button !== undefined) {
      const value = form.buttons.get(button);
      if (value === undefined)
        return {
          reason: 'field_missing',
          message: `form ${selector} on ${where} has no button ${button}`,
          status: page.status,
          url: page.url,
          requests: 0,
        };
      pairs.push({ name: button, value });
    }
    const action = resolveLocation(form.action === '' ? page.url : form.action, page.url);
    const body = encodeForm(pairs);
    if (form.method === 'GET') return this.follow(http.get(`${action.replace(/\?.*$/, '')}?${body}`, st.http), action, st, true);
    return this.follow(http.post(action, body, st.post), action, st, true);
  }

  private open(url: string, st: StepTags): Landed | Failed {
    return this.follow(http.get(url, st.http), url, st, false);
  }

  /** Follows the redirects of a response; the page it ends on, or why the step failed. */
  private follow(first: Res, firstUrl: string, st: StepTags, submitted: boolean): Landed | Failed {
    const landed: Landed = { url: firstUrl, html: '', ms: 0, reads: 0, writes: 0, footers: 0, requests: 0, status: 0 };
    let res = first;
    for (let hop = 0; ; hop++) {
      landed.requests++;
      const status = res.status;
      landed.status = status;
      if (status === 0)
        return { reason: httpFailureReason(0, res.error_code), message: res.error, status, url: landed.url, requests: landed.requests };
      landed.ms += res.timings.duration;
      const html = (res.body as string | null) ?? '';
      const perf = parsePerfFooter(html);
      if (perf !== null) {
        landed.reads += perf.dbReads;
        landed.writes += perf.dbWrites;
        landed.footers++;
      }
      if (status >= 300 && status < 400 && hop < MAX_REDIRECTS) {
        const location = res.headers.Location;
        if (location === undefined || location === '')
          return { reason: 'http_other', message: `HTTP ${status} without Location`, status, url: landed.url, requests: landed.requests };
        const target = resolveLocation(location, landed.url);
        const path = pathOf(target);
        if (path === this.ctx.paths.loginPath)
          return {
            reason: 'session_lost',
            message: `redirected to the login page from ${pathOf(landed.url)}`,
            status,
            url: landed.url,
            requests: landed.requests,
          };
        if (path === this.ctx.paths.enrolPath)
          return {
            reason: 'not_enrolled',
            message: `redirected to enrolment from ${pathOf(landed.url)}`,
            status,
            url: landed.url,
            requests: landed.requests,
          };
        landed.url = target;
        res = http.get(target, st.http);
        continue;
      }
      landed.html = html;
      if (status < 200 || status >= 300)
        return {
          reason: httpFailureReason(status, 0),
          message: moodleErrorMessage(html) ?? `HTTP ${status}`,
          status,
          url: landed.url,
          requests: landed.requests,
        };
      const error = moodleErrorMessage(html);
      if (error !== null) return { reason: 'moodle_error', message: error, status, url: landed.url, requests: landed.requests };
      const invalid = submitted && hop === 0 ? formErrorMessage(html) : null;
      if (invalid !== null) return { reason: 'form_error', message: invalid, status, url: landed.url, requests: landed.requests };
      return landed;
    }
  }

  private fail(record: boolean, index: number, stepIndex: number, session: VuSession, f: Failed): void {
    const j = this.ctx.config.journeys[index] as Journey;
    const step = (j.steps[stepIndex] as JourneyStep).name;
    if (record) {
      this.metrics.failures.add(1, { journey: j.name, step, reason: f.reason });
      this.metrics.journeys.add(1, (this.tags[index] as (typeof this.tags)[number]).failure);
    }
    const key = `${j.name}|${step}|${f.reason}|${f.message}`;
    if (!this.warned.has(key)) {
      this.warned.add(key);
      console.warn(`moodle-load: journey ${j.name} failed at step ${step}: ${f.reason}: ${f.message}`);
    }
    if (this.ctx.settings.errorLog)
      logFailure({
        t: Date.now(),
        vu: exec.vu.idInTest,
        user: session.username,
        endpoint: `${j.name}.${step}`,
        part: 'page',
        url: stripSesskey(f.url),
        status: f.status,
        reason: f.reason,
        error: f.message,
      });
  }
}
