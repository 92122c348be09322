// Why setup() aborts a run. The script counts the reason in a metric (ABORTS, tagged reason)
// before exec.test.abort(), so handleSummary reads it from k6's metrics and writes it in the end
// record (channel.ts): the CLI never matches the text of k6's log lines.
import { ABORTS, submetric } from './metric-names';

export const ABORT_NO_SESSION = 'no session logged in';
export const ABORT_SITE_UNREACHABLE = 'site unreachable';

export const ABORT_JOURNEY_CHECK = 'a journey cannot run on this site';

export const ABORT_KINDS = ['no_session', 'site_unreachable', 'journey_check'] as const;
export type AbortKind = (typeof ABORT_KINDS)[number];

/** The submetric that counts aborts of one kind (declared as a threshold so k6 tracks it). */
export function abortSubmetric(kind: AbortKind): string {
  return submetric(ABORTS, 'reason', kind);
}

/** The abort recorded in handleSummary's metrics, if any. */
export function abortOf(
  metrics: Readonly<Record<string, { readonly values: Readonly<Record<string, number>> } | undefined>>,
): AbortKind | null {
  for (const kind of ABORT_KINDS) if ((metrics[abortSubmetric(kind)]?.values.count ?? 0) > 0) return kind;
  return null;
}

/** A hint for a transport error at login: TLS trust problems have an obvious fix. */
export function transportHint(detail: string): string {
  if (/x509|certificate|tls:/i.test(detail))
    return "the site's TLS certificate is not trusted: for a self-signed test site, use --insecure (INSECURE=1)";
  return 'check base_url, that the site is up and that this machine can reach it';
}
