import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
/** Pages captured from a real Moodle 4.5 site (shared/ sits beside the repository). */
export const FIXTURES = join(ROOT, '..', 'shared', 'moodle', 'fixtures');
