// Finds the pinned k6 that `make k6` installs into the project, and checks its version, so a
// missing or stale binary is one clear line rather than a confusing failure later.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pkg from '../../package.json';

export const PINNED_K6_VERSION: string = pkg.config.k6Version;

export class K6MissingError extends Error {}

/** $K6_BINARY if set, else <project>/.tools/bin/k6. */
export function findK6(projectRoot: string, env: NodeJS.ProcessEnv): string {
  const path = env.K6_BINARY || join(projectRoot, '.tools', 'bin', 'k6');
  if (!existsSync(path)) {
    throw new K6MissingError(`k6 not found at ${path}: run \`make k6\` in ${projectRoot} to install k6 ${PINNED_K6_VERSION} (needs Go)`);
  }
  let version: string;
  try {
    version = execFileSync(path, ['version'], {
      encoding: 'utf8',
      timeout: 10_000,
      env: { ...env, K6_AUTO_EXTENSION_RESOLUTION: 'false' },
    });
  } catch (e) {
    throw new K6MissingError(`k6 at ${path} does not run (${(e as Error).message.split('\n')[0]}): run \`make k6\` to reinstall it`);
  }
  if (!version.includes(`k6 ${PINNED_K6_VERSION} `)) {
    throw new K6MissingError(
      `k6 at ${path} is "${version.trim().split('\n')[0]}", not ${PINNED_K6_VERSION}: run \`make k6\` to install the pinned version`,
    );
  }
  return path;
}
