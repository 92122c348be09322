// The summary's `mergeable` part: everything a run counted, as histograms and sums, so that the
// summaries of the instances of one split test (execution segments, k6-operator runners) merge
// into the summary one instance would have written: counts add, histograms add bucket by bucket,
// and percentiles are read from the sum (analysis/merge-summaries.ts). Types only: written by
// the CLI (cli/streamed-summary.ts), read by `moodle-load merge`.
import type { JourneyOutline } from './journeys/journey-types';
import type { SetupData } from './summary-files';
import type { RunSettings } from './run-settings';
import type { SeriesKind } from './stats-stream';

/** Bumped when the part's meaning changes; merge refuses parts of another version. */
export const MERGEABLE_VERSION = 1;

/** One time series (a metric and one set of tag values) over the whole run. */
export interface HistogramSeries {
  readonly m: string;
  readonly t: Readonly<Record<string, string>>;
  readonly k: SeriesKind;
  /** counter: the sum; gauge and trend: the samples. */
  readonly n: number;
  /** trend: the samples' sum; trend and gauge: smallest and largest sample. */
  readonly sum?: number;
  readonly lo?: number;
  readonly hi?: number;
  /** gauge: the last value and the epoch ms it was set. */
  readonly v?: number;
  readonly at?: number;
  /** trend: whole values kept exactly, [value, count], ascending. */
  readonly exact?: readonly (readonly [number, number])[];
  /** trend: log buckets, [bucket, count]; bucket b holds [growth^b, growth^(b+1)). */
  readonly log?: readonly (readonly [number, number])[];
}

/** The run's settings as merge compares them: what makes two instances parts of one test. */
export type MergeSettings = Omit<RunSettings, 'configPath' | 'summaryPath' | 'summaryToStdout' | 'requestLog' | 'errorLog' | 'channel'>;

export interface MergeablePart {
  readonly version: number;
  /** Trend buckets: relative width and the largest whole number kept exactly. */
  readonly bucket_growth: number;
  readonly exact_limit: number;
  /** SHA-256 of the config's load-shaping parts (base URL, endpoints, journeys, parameters, usernames' count), no secret. */
  readonly config_fingerprint: string;
  /** Users in the config: the login submetrics are per user index. */
  readonly config_users: number;
  /** The config's journeys as the summary names them (empty without journeys). */
  readonly journeys: readonly JourneyOutline[];
  readonly settings: MergeSettings;
  /** setup()'s record; null when setup() did not finish. */
  readonly setup: SetupData | null;
  /** Epoch ms at which this instance's k6 ended. */
  readonly ended_ms: number;
  readonly series: readonly HistogramSeries[];
}
