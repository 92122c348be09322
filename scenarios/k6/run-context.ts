// Everything a run needs, read once per VU in k6's init context: settings from the
// environment (-e RPM=... or the CLI), the config file, and what is derived from them.
import { SharedArray } from 'k6/data';
import type { Endpoint, MoodleConfig, UserCredential } from '../../lib/config';
import { ENROL_PATH, SitePaths } from '../../lib/outcome';
import { RequestPlan } from '../../lib/request-plan';
import type { RunSettings } from '../../lib/run-settings';
import { basePathOf } from '../../lib/url';
import type { CheckedContext, CheckedRun } from './run-context-check';

export interface RunContext {
  readonly settings: RunSettings;
  readonly config: MoodleConfig;
  readonly baseUrl: string;
  readonly loginUrl: string;
  /** Login and enrolment paths as they appear in Location headers, e.g. "/moodle/login/index.php". */
  readonly paths: SitePaths;
  /** URL whose cookies are the session's (the site root, with its path). */
  readonly cookieUrl: string;
  readonly plan: RequestPlan;
  readonly endpoints: readonly Endpoint[];
  /** Variables not given that took plain `k6 run`'s defaults ("CONFIG=config.json (shipped)", "RPM=60"). */
  readonly defaultsUsed: readonly string[];
}

/**
 * Settings and config are read and checked in the first init context only (k6 runs __VU 0 first,
 * and a bad file or variable stops the run there, before any other VU). Every other VU decodes
 * the checked result from k6's SharedArray instead: doing it in each of 1,000 VUs cost ~0.45 MB
 * a VU while they start, ~0.1 MB of live heap a VU in a run (BENCHMARKS.md, "Hot path and memory").
 */
export function loadRunContext(
  env: Record<string, string | undefined>,
  checkRunContext: typeof import('./run-context-check').checkRunContext | undefined,
): RunContext {
  let checked: CheckedRun | undefined;
  // Only the VU whose SharedArray callbacks run (the first, __VU 0) calls this; the checks come
  // from dist/scenario-control.js, which only that VU loads (scenario.ts).
  const check = () => {
    if (checkRunContext === undefined) throw new Error('the run context is checked in __VU 0, which k6 initialises first');
    return (checked ??= checkRunContext(env));
  };
  const context = new SharedArray('moodle-load run context', () => [check().context])[0] as CheckedContext;
  // A users file may list thousands of accounts and a VU logs in with one or two: one copy for
  // all VUs (read-only, an element decoded when read), not one per VU.
  const users = new SharedArray('moodle-load users', () => check().users as UserCredential[]) as readonly UserCredential[];
  const { settings, config, baseUrl } = context;
  return {
    settings,
    config: { ...config, users },
    baseUrl,
    loginUrl: baseUrl + config.loginPath,
    paths: { loginPath: basePathOf(baseUrl) + config.loginPath, enrolPath: basePathOf(baseUrl) + ENROL_PATH },
    cookieUrl: `${baseUrl}/`,
    plan: new RequestPlan(
      config.endpoints,
      config.parameters,
      config.journeys.map((j) => j.weight),
    ),
    endpoints: config.endpoints,
    defaultsUsed: context.defaultsUsed,
  };
}
