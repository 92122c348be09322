// What a journey is once its config is checked: plain data (it crosses k6's SharedArray), the
// steps of a built-in journey spelled out like a config's own.
import type { Template } from '../template';

/** Where a step takes a value from, for later steps' {placeholders}. */
export interface TakeRule {
  /** A regular expression run on the page's HTML; its first group is the value. */
  readonly match?: string;
  /** A query parameter of the page's final URL (after redirects). */
  readonly url_param?: string;
  /** With `match`: which match when the page has several (default first). */
  readonly pick?: 'first' | 'random' | 'last';
}

export interface JourneyStep {
  readonly name: string;
  /** Open this page (path and query relative to base_url, with {placeholders}). */
  readonly path?: Template;
  /** Or submit the form this CSS selector finds on the current page, as a browser does. */
  readonly submit?: string;
  /** Values the step sets (field name -> template); every other field keeps the value the page gave it. */
  readonly fields: Readonly<Record<string, Template>>;
  /** The submit button pressed (its name); its name and value are sent as a browser sends them. */
  readonly button?: string;
  /** Fill the form's questions with a random valid answer each (a quiz attempt page). */
  readonly answer?: 'quiz';
  /** Submit again while the page after it is still this path (a quiz's next page), at most 50 times. */
  readonly repeat_while_path?: string;
  /** The path the step must end on (after redirects), else it fails as unexpected_page. */
  readonly expect_path?: string;
  readonly take: Readonly<Record<string, TakeRule>>;
  /** What a successful step wrote to the site, counted in the summary's journeys.created. */
  readonly creates: readonly string[];
}

export interface Journey {
  /** Label in tags and the summary (unique among journeys and urls). */
  readonly name: string;
  /** The built-in journey it is, or "custom". */
  readonly kind: string;
  readonly weight: number;
  /** Values for {placeholders}: numbers, or a list to pick from at random per journey. */
  readonly params: Readonly<Record<string, number | string | readonly (number | string)[]>>;
  /** Seconds of think time before each step after the first: [min, max], uniform. */
  readonly think: readonly [number, number];
  readonly steps: readonly JourneyStep[];
}

/** What a summary needs of a journey: its name, kind, and its steps' names and what they create (kept in a mergeable summary). */
export interface JourneyOutline {
  readonly name: string;
  readonly kind: string;
  readonly steps: readonly Pick<JourneyStep, 'name' | 'creates'>[];
}

export function journeyOutline(j: JourneyOutline): JourneyOutline {
  return { name: j.name, kind: j.kind, steps: j.steps.map((s) => ({ name: s.name, creates: [...s.creates] })) };
}
