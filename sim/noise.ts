// The simulator's randomness: Moodle's per-request variation in DB reads and the spread of
// server time, drawn from seeded generators so a test run can be repeated exactly. Each page
// type has its own streams, so the draws one page type gets do not depend on how requests to
// other pages interleave with it (k6's scheduling varies from run to run). NoiseModel puts the
// draws together per request: the server time before a page answers and the figures its
// performance footer reports.
import { PAGE_FIGURES, PageFigures, PageType, pageTypeOfPath, Regression } from './figures';
import type { FooterFigures } from './pages';

/** splitmix32: turns (seed, stream) into well-spread generator state. */
function splitmix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  let z = x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** sfc32 (Chris Doty-Humphrey's Small Fast Counter), uniform in [0, 1). */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d = 1;

  constructor(seed: number, stream: string) {
    this.a = splitmix32(seed >>> 0);
    this.b = splitmix32(this.a ^ hashString(stream));
    this.c = splitmix32(this.b);
    for (let i = 0; i < 12; i++) this.next();
  }

  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** Standard normal (Box-Muller; one value per call keeps the stream simple). */
  normal(): number {
    const u = 1 - this.next(); // (0, 1]: log(0) would be -Infinity
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
}

/**
 * How far one request's DB reads land from the page's median. Measured on a real Moodle 4.5.6
 * (same URL, same iteration, two runs): reads differed by -3..+3 and were identical in about
 * half the pairs, which a distribution with P(0) = 0.68 reproduces (sum of squared
 * probabilities 0.49). Now and then a cache is cold and a page reads 4 to 11 more rows.
 */
const READ_OFFSETS: readonly (readonly [offset: number, probability: number])[] = [
  [-3, 0.015],
  [-2, 0.035],
  [-1, 0.11],
  [0, 0.68],
  [1, 0.11],
  [2, 0.035],
  [3, 0.015],
];
export const COLD_CACHE_PROBABILITY = 0.01;
export const COLD_CACHE_EXTRA_READS: readonly [number, number] = [4, 11];

export function drawReadOffset(rng: Rng): number {
  if (rng.next() < COLD_CACHE_PROBABILITY) return rng.int(COLD_CACHE_EXTRA_READS[0], COLD_CACHE_EXTRA_READS[1]);
  let u = rng.next();
  for (const [offset, p] of READ_OFFSETS) {
    if (u < p) return offset;
    u -= p;
  }
  return 0;
}

/** A log-normal draw with this median; sigma is the spread of its logarithm (0 gives the median). */
export function drawLogNormal(rng: Rng, medianMs: number, sigma: number): number {
  if (sigma === 0 || medianMs === 0) return medianMs;
  return medianMs * Math.exp(sigma * rng.normal());
}

/** Server time of a page before any fixed extra delay: log-normal around a median. */
export interface BaseLatency {
  readonly medianMs: number;
  /** Spread of the logarithm: 0.5 puts the 5th and 95th percentiles at 0.44x and 2.3x the median. */
  readonly sigma: number;
}

/** Small, so the tests stay fast; `--latency 50` gives a real small site's idle figure. */
export const DEFAULT_BASE_LATENCY: BaseLatency = { medianMs: 1, sigma: 0.5 };
export const DEFAULT_SEED = 1;

/** Moodle updates user.lastaccess and user_lastaccess at most once a minute (LASTACCESS_UPDATE_SECS). */
const LASTACCESS_UPDATE_MS = 60_000;
/** Share of requests that change the session's data, so the session handler writes it. */
const SESSION_WRITE_PROBABILITY = 0.1;
const MAX_WRITES = 3;
/** Share of server time spent in DB queries, drawn per request (the captured footers show 0.16 to 0.3). */
const DB_TIME_SHARE: readonly [number, number] = [0.15, 0.3];

/**
 * The range a run's drift factor is drawn from, uniformly. On a shared 2-core machine the same
 * build ran -17 % to +46 % slower from one run to the next, every endpoint together: { min: 0.83, max: 1.46 }.
 */
export interface DriftRange {
  readonly min: number;
  readonly max: number;
}

/** Parses `--drift MIN-MAX` (e.g. 0.8-1.4; MIN > 0, MAX >= MIN). Throws an Error with a one-line message. */
export function parseDrift(spec: string): DriftRange {
  const m = /^(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)$/.exec(spec.trim());
  const range = m ? { min: Number(m[1]), max: Number(m[2]) } : null;
  if (!range || !(range.min > 0) || range.max < range.min)
    throw new Error(`--drift ${JSON.stringify(spec)}: expected MIN-MAX with 0 < MIN <= MAX, e.g. 0.8-1.4`);
  return range;
}

export interface NoiseSettings {
  readonly seed: number;
  /** No noise: every request does its page's median reads and writes and takes the median time. */
  readonly exact: boolean;
  readonly baseLatency: BaseLatency;
  /** A fixed extra delay on top, per path ("/my/") or for every page ("*"), in ms. */
  readonly latencyMs: Readonly<Record<string, number>>;
  readonly regressions: Readonly<Partial<Record<PageType, Regression>>>;
  /** Extra server time of every response (code all pages run: require_login, the session, the theme), in ms. */
  readonly sharedSlowdownMs?: number;
  /** Where the machine's speed factor is drawn from, at start and at each redraw; none: always 1. */
  readonly drift?: DriftRange | null;
}

function checkedSlowdown(ms: number): number {
  if (!(Number.isFinite(ms) && ms >= 0)) throw new Error(`shared slowdown must be milliseconds >= 0, not ${ms}`);
  return ms;
}

/** A new build on the site (git checkout and upgrade): what it changes; sessions survive it, as in Moodle. */
export interface Deploy {
  /** The build's shared slowdown in ms; left out, the current one stays. */
  readonly sharedSlowdownMs?: number;
  /** The build's planted regressions, replacing the current ones ({} removes them all); left out, they stay. */
  readonly regressions?: Readonly<Partial<Record<PageType, Regression>>>;
}

/** A page's own figures (not its page type's), and the name of its noise streams. */
export interface OwnFigures {
  readonly stream: string;
  readonly figures: PageFigures;
}

/** The request a footer reports on: what it asked for, when it started, how long it waited for its session. */
export interface ServedRequest {
  readonly path: string;
  readonly startedAt: number;
  readonly lockWaitMs: number;
  readonly session: { readonly userId: number | null };
}

/** Each request's server time and footer figures, drawn from the seeded streams (the medians with `exact`). */
export class NoiseModel {
  /** Fixed extra delays, changed while running by setLatency. */
  readonly latencyMs: Record<string, number>;
  /** Planted regressions, changed while running by setRegression and setExtraDbReads. */
  readonly regressions: Partial<Record<PageType, Regression>>;
  /** Added to every response's server time, DB figures untouched; changed while running by a deploy. */
  sharedSlowdownMs: number;
  private factor = 1;
  private readonly drift: DriftRange | null;
  private readonly seed: number;
  private readonly exact: boolean;
  private readonly base: BaseLatency;
  /** One generator per (purpose, page type): see the top of this file. */
  private readonly streams = new Map<string, Rng>();
  /** When user.lastaccess (key "u") and user_lastaccess per course (key "u:c") were last written. */
  private readonly lastAccessWrite = new Map<string, number>();

  constructor(settings: NoiseSettings) {
    this.seed = settings.seed;
    this.exact = settings.exact;
    this.base = settings.baseLatency;
    this.latencyMs = { ...settings.latencyMs };
    this.regressions = { ...settings.regressions };
    this.sharedSlowdownMs = checkedSlowdown(settings.sharedSlowdownMs ?? 0);
    const drift = settings.drift ?? null;
    if (drift && !(drift.min > 0 && drift.max >= drift.min && Number.isFinite(drift.max)))
      throw new Error(`drift must satisfy 0 < min <= max, not ${drift.min}..${drift.max}`);
    this.drift = drift;
    this.redrawDrift();
  }

  /**
   * This request's server time before it answers: the drawn base, the fixed extra, a planted
   * regression and the shared slowdown, all times the drift factor (added work runs on the same
   * slowed machine). Without drift or slowdown the sum is unchanged: x + 0 and x * 1 are exact.
   */
  delayFor(path: string): number {
    const type = pageTypeOfPath(path);
    const drawn = this.exact
      ? this.base.medianMs
      : drawLogNormal(this.rng(`latency:${type ?? 'other'}`), this.base.medianMs, this.base.sigma);
    const own = drawn + (this.latencyMs[path] ?? this.latencyMs['*'] ?? 0) + (type ? (this.regressions[type]?.ms ?? 0) : 0);
    return (own + this.sharedSlowdownMs) * this.factor;
  }

  /** What every response's server time is multiplied by in this run (1 without a drift range). */
  get driftFactor(): number {
    return this.factor;
  }

  /**
   * A new run on the drifting machine: the factor is drawn anew from the range, from its own
   * stream, so the sequence depends on the seed and the number of draws alone, never on the
   * requests served in between. Without a range it stays 1 and nothing is drawn.
   */
  redrawDrift(): number {
    if (this.drift) this.factor = this.drift.min + (this.drift.max - this.drift.min) * this.rng('drift').next();
    return this.factor;
  }

  /**
   * What the footer of a `kind` response to this request reports; a regression counts only on its own page.
   * `own`: figures of a page of its own (a journey's page), drawn from its own streams.
   */
  footerFigures(req: ServedRequest, kind: PageType, courseId: number | null, own?: OwnFigures): FooterFigures {
    const f = own?.figures ?? PAGE_FIGURES[kind];
    const stream = own?.stream ?? kind;
    const regression = pageTypeOfPath(req.path) === kind ? this.regressions[kind] : undefined;
    const reads = f.reads + (this.exact ? 0 : drawReadOffset(this.rng(`reads:${stream}`))) + (regression?.reads ?? 0);
    // A form post writes what it writes (a quiz finished: 55 rows); the cap is on the extra writes of a view.
    const writes = Math.min(Math.max(MAX_WRITES, f.writes), f.writes + this.extraWrites(req.session.userId, stream, courseId));
    const secs = (performance.now() - req.startedAt) / 1000;
    const [lo, hi] = DB_TIME_SHARE;
    const share = this.exact ? (lo + hi) / 2 : lo + (hi - lo) * this.rng(`db-time:${stream}`).next();
    // The shared slowdown is PHP work, not queries: it is left out of DB time.
    const sharedSecs = (this.sharedSlowdownMs * this.factor) / 1000;
    const dbSecs = Math.max(0, secs - req.lockWaitMs / 1000 - sharedSecs) * share;
    return {
      secs,
      ramMb: f.ramMb,
      ramPeakMb: f.ramPeakMb,
      files: f.files,
      strings: f.strings,
      reads,
      writes,
      dbSecs,
      sessionWaitSecs: req.lockWaitMs / 1000,
    };
  }

  /** Installs a build and starts a new run: its slowdown and regressions, then a new drift factor. */
  deploy(change: Deploy): void {
    if (change.sharedSlowdownMs !== undefined) this.sharedSlowdownMs = checkedSlowdown(change.sharedSlowdownMs);
    if (change.regressions) {
      for (const type of Object.keys(this.regressions) as PageType[]) delete this.regressions[type];
      Object.assign(this.regressions, change.regressions);
    }
    this.redrawDrift();
  }

  /** A "regression" by path: this page does `reads` more DB reads, its planted extra time kept. */
  setExtraDbReads(path: string, reads: number): void {
    const type = pageTypeOfPath(path);
    if (type === null) throw new Error(`setExtraDbReads: ${path} is not a page the simulator serves`);
    this.regressions[type] = { ms: this.regressions[type]?.ms ?? 0, reads };
  }

  /** Writes beyond the page's own: lastaccess once a minute per user (and per user and course), session data. */
  private extraWrites(user: number | null, kind: string, courseId: number | null): number {
    if (this.exact || user === null) return 0;
    let writes = 0;
    const now = Date.now();
    for (const key of courseId === null ? [`${user}`] : [`${user}`, `${user}:${courseId}`]) {
      if (now - (this.lastAccessWrite.get(key) ?? -Infinity) >= LASTACCESS_UPDATE_MS) {
        this.lastAccessWrite.set(key, now);
        writes++;
      }
    }
    if (this.rng(`session-write:${kind}`).next() < SESSION_WRITE_PROBABILITY) writes++;
    return writes;
  }

  private rng(name: string): Rng {
    let r = this.streams.get(name);
    if (!r) this.streams.set(name, (r = new Rng(this.seed, name)));
    return r;
  }
}
