// Where an nginx passes PHP requests: its master's config file (from the command line nginx
// keeps in /proc/<pid>/cmdline), the server blocks listening on the site's port, and their
// fastcgi_pass targets (an upstream's servers followed). Only what the site's discovery needs:
// no variables in fastcgi_pass, includes with "*" in the last part of the path only.
import { dirname, isAbsolute, join } from 'node:path';

export interface Directive {
  readonly name: string;
  readonly args: readonly string[];
  readonly block?: readonly Directive[];
}

/** Words, quoted strings, "{", "}" and ";" of nginx's config syntax; comments dropped. */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const re = /\s+|#[^\n]*|"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([{};])|((?:[^\s{};"'\\]|\\.)+)/gy;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null && m[0] !== '') {
    const value = m[1] ?? m[2] ?? m[3] ?? m[4];
    if (value !== undefined) tokens.push(value);
  }
  return tokens;
}

/**
 * The directives of a config text. `include` is replaced by the included files' directives
 * (read with `readInclude`, which gets the pattern as written: relative to the main file's
 * folder, as nginx takes it without -p).
 */
export function parseConfig(text: string, readInclude: (pattern: string) => readonly string[], depth = 0): Directive[] {
  const tokens = tokenize(text);
  let i = 0;
  const block = (): Directive[] => {
    const out: Directive[] = [];
    while (i < tokens.length && tokens[i] !== '}') {
      const words: string[] = [];
      while (i < tokens.length && tokens[i] !== ';' && tokens[i] !== '{' && tokens[i] !== '}') words.push(tokens[i++] as string);
      const end = tokens[i++];
      const [name = '', ...args] = words;
      if (end === '{') {
        out.push({ name, args, block: block() });
        i++; // its "}"
      } else if (name === 'include' && args[0] !== undefined && depth < 10) {
        for (const included of readInclude(args[0])) out.push(...parseConfig(included, readInclude, depth + 1));
      } else if (name !== '') out.push({ name, args });
    }
    return out;
  };
  return block();
}

/** Every directive, depth first. */
function* walk(directives: readonly Directive[]): Generator<Directive> {
  for (const d of directives) {
    yield d;
    if (d.block) yield* walk(d.block);
  }
}

/** The port of a `listen` (80 when it names only an address; null for a unix socket). */
export function listenPort(arg: string): number | null {
  if (arg.startsWith('unix:')) return null;
  const m = /^(?:\d+|.*:(\d+))$/.exec(arg);
  if (m) return Number(m[1] ?? arg);
  return 80;
}

export type FastcgiTarget =
  { readonly kind: 'unix'; readonly path: string } | { readonly kind: 'tcp'; readonly host: string; readonly port: number };

function targetOf(address: string): FastcgiTarget | null {
  if (address.startsWith('unix:')) return { kind: 'unix', path: address.slice('unix:'.length).replace(/:$/, '') };
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(address);
  return m ? { kind: 'tcp', host: (m[1] ?? m[2]) as string, port: Number(m[3]) } : null;
}

/**
 * Where the server blocks listening on `port` pass PHP requests (every server block's when
 * none names that port: a config of one site may leave `listen` to an include we missed).
 */
export function fastcgiTargets(config: readonly Directive[], port: number): FastcgiTarget[] {
  const all = [...walk(config)];
  const servers = all.filter((d) => d.name === 'server' && d.block);
  const listensOn = (s: Directive) => {
    const listens = (s.block ?? []).filter((d) => d.name === 'listen');
    return listens.length === 0 ? port === 80 : listens.some((l) => listenPort(l.args[0] ?? '') === port);
  };
  const chosen = servers.filter(listensOn);
  const passes = [...walk(chosen.length > 0 ? chosen : servers)].filter((d) => d.name === 'fastcgi_pass').map((d) => d.args[0] ?? '');
  const upstreams = new Map(
    all
      .filter((d) => d.name === 'upstream' && d.block)
      .map((u) => [u.args[0], (u.block ?? []).filter((d) => d.name === 'server').map((d) => d.args[0] ?? '')]),
  );
  const targets: FastcgiTarget[] = [];
  for (const pass of passes) {
    for (const address of upstreams.get(pass) ?? [pass]) {
      const t = targetOf(address);
      if (t && !targets.some((o) => JSON.stringify(o) === JSON.stringify(t))) targets.push(t);
    }
  }
  return targets;
}

/** The config file an nginx master runs with, from its command line ("nginx: master process nginx -c FILE"). */
export function nginxConfigPath(cmdline: string, defaultPath = '/etc/nginx/nginx.conf'): string {
  const words = cmdline.replace(/\0/g, ' ').trim().split(/\s+/);
  const c = words.indexOf('-c');
  const prefix = words.indexOf('-p');
  const file = c >= 0 ? words[c + 1] : undefined;
  if (file === undefined) return defaultPath;
  return isAbsolute(file) || prefix < 0 ? file : join(words[prefix + 1] ?? '', file);
}

/** An include pattern as a folder and a file-name test ("*" only in the last part). */
export function includeGlob(pattern: string, mainFile: string): { dir: string; test: (name: string) => boolean } {
  const full = isAbsolute(pattern) ? pattern : join(dirname(mainFile), pattern);
  const dir = dirname(full);
  const base = full.slice(dir.length + 1);
  const re = new RegExp(`^${base.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
  return { dir, test: (name) => re.test(name) };
}
