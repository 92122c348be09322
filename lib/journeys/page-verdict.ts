// What a page a journey step landed on says went wrong, in Moodle's own words: an error page
// (print_error / moodle_exception), an error notification, or a form sent back with its
// validation errors. Pure string work on the HTML, so the same rules run in k6 and in tests.

/** Moodle's words are cut to this many characters: they go into logs and failure records. */
const MESSAGE_CHARS = 160;

const ERROR_BOX = /data-rel="fatalerror"|class="[^"]*\berrorbox\b/;
const ERROR_MESSAGE = /<(?:p|div)[^>]*class="[^"]*\berrormessage\b[^"]*"[^>]*>([\s\S]*?)<\/(?:p|div)>/;
const ALERT_DANGER = /<div[^>]*class="[^"]*\balert-danger\b[^"]*"[^>]*>([\s\S]*?)<\/div>/;
/** A dismissible notification's close button ("×", "Dismiss this notification"): not Moodle's message. */
const CLOSE_BUTTON = /<button[^>]*>[\s\S]*?<\/button>/g;
/** An mform field's error (Boost: a `invalid-feedback` div, empty unless the field failed). */
const FIELD_ERROR = /<div[^>]*class="[^"]*\binvalid-feedback\b[^"]*"[^>]*>([\s\S]*?)<\/div>/g;

/** Tags out, entities of the common kinds decoded, spaces collapsed, cut to MESSAGE_CHARS. */
export function plainText(html: string): string {
  const text = html
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#0?39;/g, "'")
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > MESSAGE_CHARS ? `${text.slice(0, MESSAGE_CHARS - 1)}…` : text;
}

/** The message of a Moodle error page or error notification, or null when the page shows none. */
export function moodleErrorMessage(html: string): string | null {
  if (ERROR_BOX.test(html)) {
    const m = ERROR_MESSAGE.exec(html);
    return m ? plainText(m[1] as string) : 'Moodle error page';
  }
  const alert = ALERT_DANGER.exec(html);
  return alert ? plainText((alert[1] as string).replace(CLOSE_BUTTON, ' ')) || 'Moodle error notification' : null;
}

/** The form's validation errors ("message: Required"), or null when no field has one. */
export function formErrorMessage(html: string): string | null {
  const errors: string[] = [];
  FIELD_ERROR.lastIndex = 0;
  for (let m = FIELD_ERROR.exec(html); m !== null; m = FIELD_ERROR.exec(html)) {
    const text = plainText(m[1] as string);
    if (text !== '') errors.push(text.replace(/^-\s*/, ''));
  }
  return errors.length === 0 ? null : plainText(errors.join('; '));
}
