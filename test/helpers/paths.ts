import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
/** Pages captured from a real Moodle 4.5.6 site, kept in the repository (see its README.md). */
export const FIXTURES = join(ROOT, 'fixtures', 'moodle-4.5.6');
