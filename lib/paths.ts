// k6's open() resolves relative paths against the script's folder, not the shell's; users
// type paths relative to where they stand, so resolve against $PWD first.

export function resolveFromCwd(path: string, cwd: string | undefined): string {
  if (path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path) || !cwd) return path;
  return `${cwd.replace(/\/+$/, '')}/${path.replace(/^\.\//, '')}`;
}
