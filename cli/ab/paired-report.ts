// The JSON a side-by-side judgement prints on stdout: the verdict and its exit code, what was compared,
// each pair's runs, and per endpoint and figure the effect with its evidence (bounds, p-values, the
// effect in each pair, the rule that decided). Documented in docs/comparing-and-bisecting.md.
import type { Bound, PairedFigureVerdict, PairEffect } from '../../analysis/paired-verdict';
import { round } from '../../lib/round';
import { runReport } from '../judged-run';
import type { AbResult, EvidenceSummary } from './ab-run';
import type { PairedOptions, SideRun } from './paired-check';

const r2 = (v: number | null) => (v === null || !Number.isFinite(v) ? v : round(v, 2));
const bound = (b: Bound | null) => (b === null ? null : { value: Number.isFinite(b.value) ? round(b.value, 2) : null, level: b.level });
const pValue = (p: number | null) => (p === null ? null : Number(p.toPrecision(3)));

function pairEffect(e: PairEffect) {
  return {
    pair: e.pair + 1,
    order: e.order,
    effect: r2(e.effect),
    pct: r2(e.pct),
    ms: r2(e.ms),
    a_ms: r2(e.a_ms),
    others_pct: r2(e.others_pct),
    n_a: e.n_a,
    n_b: e.n_b,
  };
}

function figureJson(f: PairedFigureVerdict) {
  return {
    state: f.state,
    estimate: r2(f.estimate),
    estimate_pct: r2(f.estimate_pct),
    estimate_ms: r2(f.estimate_ms),
    lower: bound(f.lower),
    upper: bound(f.upper),
    upper_ms: bound(f.upper_ms),
    p: pValue(f.p),
    p_sign_flip: pValue(f.p_sign_flip),
    alpha: Number(f.alpha.toPrecision(3)),
    rule: f.rule,
    pairs: f.pairs.map(pairEffect),
  };
}

/** Per endpoint, per figure: the last judgement's figures. */
function endpointsJson(result: AbResult) {
  const endpoints: Record<string, Record<string, ReturnType<typeof figureJson>>> = {};
  for (const f of result.verdict?.figures ?? []) (endpoints[f.endpoint] ??= {})[f.figure] = figureJson(f);
  return endpoints;
}

/** A run's medians per endpoint, rounded as every other figure (the mean of two readings can be 51.287000000000006). */
function evidenceJson(e: EvidenceSummary): EvidenceSummary {
  const endpoints: EvidenceSummary['endpoints'] = {};
  for (const [name, x] of Object.entries(e.endpoints)) endpoints[name] = { ...x, latency_ms: r2(x.latency_ms), server_ms: r2(x.server_ms) };
  return { requests: e.requests, endpoints };
}

export function pairedJson(o: PairedOptions, result: AbResult, runs: readonly SideRun[]) {
  return {
    verdict: result.outcome,
    exit: result.exitCode,
    reasons: result.reasons,
    design: 'paired',
    seed: o.seed,
    a: { rev: o.revs.A, deploy: o.deploy.A },
    b: { rev: o.revs.B, deploy: o.deploy.B },
    pairs: result.pairs.map((p) => ({ ...p, a: evidenceJson(p.a), b: evidenceJson(p.b), seconds: Math.round(p.seconds) })),
    runs: runs.map((r) => ({ side: r.side, ...runReport(r.run) })),
    restore: result.restore,
    elapsed_sec: Math.round(result.elapsedSec),
    endpoints: endpointsJson(result),
  };
}
