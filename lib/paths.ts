// k6's open() resolves relative paths against the script's folder, not the shell's; users
// type paths relative to where they stand, so resolve against $PWD first.

export function resolveFromCwd(path: string, cwd: string | undefined): string {
  if (path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path) || !cwd) return path;
  return `${cwd.replace(/\/+$/, '')}/${path.replace(/^\.\//, '')}`;
}

/** A path written in a file (users_file in the config), resolved against that file's folder. */
export function resolveBeside(filePath: string, written: string): string {
  if (written.startsWith('/') || /^[A-Za-z]:[\\/]/.test(written)) return written;
  const slash = filePath.lastIndexOf('/');
  return slash < 0 ? written : `${filePath.slice(0, slash + 1)}${written.replace(/^\.\//, '')}`;
}
