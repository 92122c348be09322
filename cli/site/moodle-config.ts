// Database settings read from a Moodle config.php without running it: config.php ends by
// requiring lib/setup.php (which connects to the database and more), so this reads the plain
// `$CFG->name = 'literal';` assignments and the dbport/dbsocket of `$CFG->dboptions` with a
// small parser. A value that is not a literal (getenv(), a constant...) is an error naming it.

export interface MoodleDbConfig {
  readonly dbtype: string;
  readonly dbhost: string;
  readonly dbname: string;
  readonly dbuser: string;
  readonly dbpass: string;
  readonly prefix: string;
  readonly dbport: number | undefined;
  /** dboptions' dbsocket: true or a folder for a Unix socket connection. */
  readonly dbsocket: string | undefined;
  readonly dataroot: string | undefined;
}

export class MoodleConfigError extends Error {}

/** Removes /* *\/, // and # comments outside strings. */
function stripComments(php: string): string {
  let out = '';
  for (let i = 0; i < php.length; i++) {
    const c = php[i] as string;
    if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < php.length && php[j] !== c) j += php[j] === '\\' ? 2 : 1;
      out += php.slice(i, j + 1);
      i = j;
    } else if (c === '/' && php[i + 1] === '*') {
      const end = php.indexOf('*/', i + 2);
      i = end < 0 ? php.length : end + 1;
    } else if ((c === '/' && php[i + 1] === '/') || c === '#') {
      const end = php.indexOf('\n', i);
      i = end < 0 ? php.length : end - 1;
    } else out += c;
  }
  return out;
}

/** A PHP literal: 'single' or "double" (without $ interpolation), a number, true/false. */
export function phpLiteral(src: string): string | number | boolean | undefined {
  const s = src.trim();
  if (/^'(?:[^'\\]|\\.)*'$/s.test(s)) return s.slice(1, -1).replace(/\\(['\\])/g, '$1');
  if (/^"(?:[^"\\$]|\\.)*"$/s.test(s)) {
    const escapes: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', $: '$' };
    return s.slice(1, -1).replace(/\\(.)/g, (m, ch: string) => escapes[ch] ?? m);
  }
  if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s);
  if (/^true$/i.test(s)) return true;
  if (/^false$/i.test(s)) return false;
  return undefined;
}

/** Every `$CFG->name = <expression>;` at the top level: name -> the expression's source. */
function assignments(php: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /\$CFG\s*->\s*(\w+)\s*=\s*((?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^;'"])*);/gs;
  for (const m of php.matchAll(re)) out.set(m[1] as string, m[2] as string);
  return out;
}

/** `array('dbport' => 5432, ...)` or `[...]`: key -> literal. */
function phpArray(src: string): Map<string, string | number | boolean> {
  const out = new Map<string, string | number | boolean>();
  const body = /^\s*(?:array\s*\(([\s\S]*)\)|\[([\s\S]*)\])\s*$/i.exec(src);
  if (!body) return out;
  const re = /(['"])(\w+)\1\s*=>\s*('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^,\])]+)/g;
  for (const m of (body[1] ?? body[2] ?? '').matchAll(re)) {
    const v = phpLiteral(m[3] as string);
    if (v !== undefined) out.set(m[2] as string, v);
  }
  return out;
}

export function parseMoodleConfig(php: string, file = 'config.php'): MoodleDbConfig {
  const found = assignments(stripComments(php));
  const str = (name: string, required: boolean): string | undefined => {
    const src = found.get(name);
    if (src === undefined) {
      if (required) throw new MoodleConfigError(`${file}: $CFG->${name} is not set`);
      return undefined;
    }
    const v = phpLiteral(src);
    // The password's value is never shown, not even when it cannot be read.
    if (v === undefined || typeof v === 'boolean')
      throw new MoodleConfigError(
        `${file}: $CFG->${name} is not a plain string literal${name === 'dbpass' ? '' : ` (${src.trim().slice(0, 40)})`}; give the database settings as flags instead`,
      );
    return String(v);
  };
  const options = phpArray(found.get('dboptions') ?? '');
  const port = options.get('dbport');
  const socket = options.get('dbsocket');
  return {
    dbtype: str('dbtype', true) as string,
    dbhost: str('dbhost', false) ?? '',
    dbname: str('dbname', true) as string,
    dbuser: str('dbuser', true) as string,
    dbpass: str('dbpass', false) ?? '',
    prefix: str('prefix', false) ?? 'mdl_',
    dbport: port === undefined || port === '' ? undefined : Number(port),
    dbsocket: socket === undefined || socket === false || socket === '' ? undefined : String(socket),
    dataroot: str('dataroot', false),
  };
}
