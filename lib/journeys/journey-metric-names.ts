// Names of the journeys' metrics, tagged `journey` (its name) and, per step, `step`. Load phase
// only, like every other figure, except CREATED, which counts what the whole run wrote.

/** Counter: journeys done, tagged journey and outcome ("success" | "failure"). */
export const JOURNEYS = 'moodle_journeys';
/** Trend (ms): a completed journey's time in its requests (think time not included), tagged journey. */
export const JOURNEY_DURATION = 'moodle_journey_duration';
/** Counter: HTTP requests of a step (pages, form posts, redirects followed), tagged journey and step. */
export const STEP_REQUESTS = 'moodle_journey_requests';
/** Trend (ms): a successful step's time in its requests, tagged journey and step. */
export const STEP_DURATION = 'moodle_journey_step_duration';
/** Counter: failed steps (each ends its journey), tagged journey, step and reason. */
export const STEP_FAILURES = 'moodle_journey_failures';
/** Trends: a successful step's DB reads and writes, from the footers of its pages, tagged journey and step. */
export const STEP_DB_READS = 'moodle_journey_db_reads';
export const STEP_DB_WRITES = 'moodle_journey_db_writes';
/** Counter: what successful steps wrote to the site (a step's `creates`), tagged kind; warm-up included. */
export const CREATED = 'moodle_journey_created';

/** Why a step failed: the page-view reasons (outcome.ts) and what forms add. */
export const JOURNEY_FAILURE_REASONS = [
  'no_session',
  'session_lost',
  'not_enrolled',
  'moodle_error',
  'form_error',
  'form_missing',
  'field_missing',
  'unexpected_page',
  'take_missing',
  'too_many_pages',
  'http_4xx',
  'http_5xx',
  'http_other',
  'timeout',
  'transport',
] as const;
export type JourneyFailureReason = (typeof JOURNEY_FAILURE_REASONS)[number];
