// The session key a Moodle page hands its JavaScript (M.cfg.sesskey), which every AJAX call
// sends; and its removal from anything written out (URLs in the errors file, logs).

const CFG_SESSKEY = /"sesskey":"([^"\\]+)"/;

/** M.cfg's sesskey in a page, or null (pages without M.cfg, such as redirects). */
export function findSesskey(html: string): string | null {
  const m = CFG_SESSKEY.exec(html);
  return m ? (m[1] as string) : null;
}

const SESSKEY_PARAM = /([?&])sesskey=[^&#]*(&?)/gi;

/** The URL without its sesskey parameter ("a?sesskey=x&b=1" -> "a?b=1"). */
export function stripSesskey(url: string): string {
  if (url.indexOf('sesskey=') < 0 && url.toLowerCase().indexOf('sesskey=') < 0) return url;
  return url.replace(SESSKEY_PARAM, (_m, sep: string, amp: string) => (amp ? sep : '')).replace(/[?&]$/, '');
}
