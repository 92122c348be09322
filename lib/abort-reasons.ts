// Why setup() aborts a run. The script passes these to exec.test.abort(); k6 logs them as
// "test aborted: <reason>...", and the CLI maps them to distinct exit codes.

export const ABORT_NO_SESSION = 'no session logged in';
export const ABORT_SITE_UNREACHABLE = 'site unreachable';

export type AbortKind = 'no_session' | 'site_unreachable';

/** Which abort a k6 log text line announces, if any. */
export function abortKindOf(line: string): AbortKind | null {
  if (line.includes(`test aborted: ${ABORT_SITE_UNREACHABLE}`)) return 'site_unreachable';
  if (line.includes(`test aborted: ${ABORT_NO_SESSION}`)) return 'no_session';
  return null;
}

/** A hint for a transport error at login: TLS trust problems have an obvious fix. */
export function transportHint(detail: string): string {
  if (/x509|certificate|tls:/i.test(detail)) return "the site's TLS certificate is not trusted: for a self-signed test site, use --insecure (INSECURE=1)";
  return 'check base_url, that the site is up and that this machine can reach it';
}
