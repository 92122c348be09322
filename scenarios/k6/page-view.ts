// --emulate-browser: what a browser does after an HTML page arrives, in the VU: fetch the
// page's same-origin assets it does not hold fresh in its cache (in parallel, k6's
// http.batch, 6 per host: see k6-options.ts), then make the AJAX calls the page's
// JavaScript makes on load, with the page's sesskey. The request runner calls afterPage()
// once per page (after retries); it records the page view (page + parts) and each part.
import exec from 'k6/execution';
import http, { RefinedResponse, ResponseType } from 'k6/http';
import { ajaxRequestsFor, AjaxRequest, findContextId, serviceUrl } from '../../lib/browser/ajax-calls';
import { parseAjaxResponse } from '../../lib/browser/ajax-response';
import { extractAssets, originOf } from '../../lib/browser/assets';
import { CacheEntry, CacheHeaders, cacheEntryFor, decide, refreshedEntry } from '../../lib/browser/cache-policy';
import { findSesskey, stripSesskey } from '../../lib/browser/sesskey';
import type { ErrorRecord } from '../../lib/error-log';
import { logFailure } from './failure-log';
import { K6_TIMEOUT_ERROR_CODE } from '../../lib/login-flow';
import { httpFailureReason } from '../../lib/outcome';
import type { RunContext } from './run-context';
import type { ViewMetrics } from './view-metrics';

type Res = RefinedResponse<ResponseType | undefined>;
type BatchRequest = { method: string; url: string; body: string | null; params: Record<string, unknown> };

/** A browser asks for compressed bodies; Moodle's nginx then sends styles.php at a fifth of its size. */
const ACCEPT_ENCODING = 'gzip, deflate, br';
const ASSET_TAGS = { tags: { name: 'asset' }, responseType: 'none' as const, headers: { 'Accept-Encoding': ACCEPT_ENCODING } };
/** Tags of view_requests, built once: a metric add finds its series by the tag object (vu-stats.ts). */
const KIND_ASSET = { kind: 'asset' };
const KIND_REVALIDATION = { kind: 'revalidation' };
const KIND_AJAX = { kind: 'ajax' };
/** What jQuery's $.ajax sends for core/ajax's POST. */
const AJAX_HEADERS = {
  'Content-Type': 'application/json',
  'X-Requested-With': 'XMLHttpRequest',
  Accept: 'application/json, text/javascript, */*; q=0.01',
  'Accept-Encoding': ACCEPT_ENCODING,
};

function present(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}

function cacheHeaders(res: Res): CacheHeaders {
  // res.headers converts the whole Go map on each read: once.
  const h = res.headers;
  return {
    cacheControl: present(h['Cache-Control']),
    expires: h.Expires,
    date: present(h.Date),
    lastModified: present(h['Last-Modified']),
    etag: present(h.Etag),
    pragma: present(h.Pragma),
  };
}

export class PageViewEmulator {
  /** This VU's browser cache: URL -> freshness and validators. */
  private readonly cache = new Map<string, CacheEntry>();
  /** Calls whose answer this VU's browser keeps in localStorage, once answered. */
  private readonly stored = new Set<string>();
  private readonly origin: string;
  private readonly exclude: RegExp | null;
  private readonly viewTags: { success: Record<string, string>; failure: Record<string, string> }[];
  private readonly ajaxTags = new Map<string, { success: Record<string, string>; failure: Record<string, string> }>();
  private readonly ajaxParams: { headers: Record<string, string>; tags: Record<string, string>; timeout?: string };

  constructor(
    private readonly ctx: RunContext,
    private readonly username: string,
    private readonly vm: ViewMetrics,
  ) {
    this.origin = originOf(ctx.baseUrl);
    this.exclude = ctx.settings.excludeUrlPattern === undefined ? null : new RegExp(ctx.settings.excludeUrlPattern);
    this.viewTags = ctx.endpoints.map((e) => ({
      success: { endpoint: e.name, outcome: 'success' },
      failure: { endpoint: e.name, outcome: 'failure' },
    }));
    this.ajaxParams = { headers: AJAX_HEADERS, tags: { name: 'ajax' } };
  }

  /**
   * After the page's last attempt. `record`: load phase (warm-up views fill the cache but are
   * not counted). A failed page is a failed view with no parts: a browser shows an error.
   */
  afterPage(record: boolean, endpointIndex: number, pageUrl: string, pageOk: boolean, body: string | null, pageMs: number): void {
    const tags = this.viewTags[endpointIndex] as { success: Record<string, string>; failure: Record<string, string> };
    if (!pageOk || body === null) {
      if (record) this.vm.views.add(1, tags.failure);
      return;
    }
    const started = Date.now();
    const endpoint = this.ctx.endpoints[endpointIndex]?.name ?? '';
    const assetsOk = this.fetchAssets(record, endpoint, body, started);
    const ajaxOk = this.callAjax(record, endpoint, pageUrl, body);
    if (!record) return;
    const ok = assetsOk && ajaxOk;
    const t = ok ? tags.success : tags.failure;
    this.vm.views.add(1, t);
    this.vm.viewDuration.add(pageMs + (Date.now() - started), t);
  }

  private fetchAssets(record: boolean, endpoint: string, html: string, now: number): boolean {
    const urls = extractAssets(html, this.origin, this.exclude);
    const batch: BatchRequest[] = [];
    const revalidating: boolean[] = [];
    const batchUrls: string[] = [];
    let hits = 0;
    for (const url of urls) {
      const entry = this.cache.get(url);
      const d = decide(entry, now);
      if (d.kind === 'hit') {
        hits++;
        continue;
      }
      batch.push({
        method: 'GET',
        url,
        body: null,
        params: d.kind === 'revalidate' ? { ...ASSET_TAGS, headers: { ...ASSET_TAGS.headers, ...d.headers } } : ASSET_TAGS,
      });
      revalidating.push(d.kind === 'revalidate');
      batchUrls.push(url);
    }
    if (record && hits > 0) this.vm.cacheHits.add(hits);
    if (batch.length === 0) return true;
    const responses = http.batch(batch) as Res[];
    const received = Date.now();
    let ok = true;
    for (let i = 0; i < responses.length; i++) {
      const res = responses[i] as Res;
      const url = batchUrls[i] as string;
      const status = res.status;
      if (record) this.vm.viewRequests.add(1, revalidating[i] ? KIND_REVALIDATION : KIND_ASSET);
      if (status === 304 && revalidating[i]) {
        this.cache.set(url, refreshedEntry(this.cache.get(url) as CacheEntry, cacheHeaders(res), received));
        continue;
      }
      if (status >= 200 && status < 400) {
        const entry = cacheEntryFor(status, cacheHeaders(res), received);
        if (entry === null) this.cache.delete(url);
        else this.cache.set(url, entry);
        continue;
      }
      ok = false;
      const reason = httpFailureReason(status, res.error_code);
      if (record) this.vm.assetFailures.add(1, { reason });
      this.logError(endpoint, 'asset', url, status, reason, status === 0 ? res.error : `HTTP ${status}`);
    }
    return ok;
  }

  private callAjax(record: boolean, endpoint: string, pageUrl: string, html: string): boolean {
    const sesskey = findSesskey(html);
    if (sesskey === null) return true;
    const requests = ajaxRequestsFor({ html, pageUrl, contextId: findContextId(html) });
    const batch: BatchRequest[] = [];
    const sent: AjaxRequest[] = [];
    for (const r of requests) {
      const url = serviceUrl(this.ctx.baseUrl, sesskey, r.info);
      if ((this.exclude !== null && this.exclude.test(url)) || (r.onceKey !== null && this.stored.has(r.onceKey))) continue;
      batch.push({ method: 'POST', url, body: r.body, params: this.ajaxParams });
      sent.push(r);
    }
    if (batch.length === 0) return true;
    const responses = http.batch(batch) as Res[];
    let ok = true;
    for (let i = 0; i < responses.length; i++) {
      const res = responses[i] as Res;
      const request = sent[i] as AjaxRequest;
      const status = res.status;
      const outcomes = parseAjaxResponse(
        status,
        status === 0 ? null : (res.body as string | null),
        request.methods.length,
        res.error,
        res.error_code === K6_TIMEOUT_ERROR_CODE,
      );
      if (record) this.vm.viewRequests.add(1, KIND_AJAX);
      for (let j = 0; j < outcomes.length; j++) {
        const o = outcomes[j] as ReturnType<typeof parseAjaxResponse>[number];
        const method = request.methods[j] as string;
        if (record) {
          const t = this.methodTags(method);
          this.vm.ajaxCalls.add(1, o.ok ? t.success : t.failure);
          if (status !== 0) this.vm.ajaxDuration.add(res.timings.duration, o.ok ? t.success : t.failure);
        }
        if (o.ok) {
          if (request.onceKey !== null) this.stored.add(request.onceKey);
          continue;
        }
        ok = false;
        if (record) this.vm.ajaxFailures.add(1, { method, reason: o.reason });
        this.logError(endpoint, 'ajax', serviceUrl(this.ctx.baseUrl, '', method), status, o.reason, o.error);
      }
    }
    return ok;
  }

  private methodTags(method: string): { success: Record<string, string>; failure: Record<string, string> } {
    let t = this.ajaxTags.get(method);
    if (t === undefined)
      this.ajaxTags.set(method, (t = { success: { method, outcome: 'success' }, failure: { method, outcome: 'failure' } }));
    return t;
  }

  private logError(endpoint: string, part: ErrorRecord['part'], url: string, status: number, reason: string, error: string): void {
    if (!this.ctx.settings.errorLog) return;
    logFailure({ t: Date.now(), vu: exec.vu.idInTest, user: this.username, endpoint, part, url: stripSesskey(url), status, reason, error });
  }
}
