// Names of an exam start's metrics (--exam-window): each VU runs the config's first journey once,
// from a planned moment within the window. Untagged; load phase only.

/** Trend (ms): from a VU's planned moment to the end of its journey's start step (quiz view and waits included). */
export const EXAM_START = 'moodle_exam_start';
/** Counter: attempts started (the start step succeeded). */
export const EXAM_STARTED = 'moodle_exam_started';
/** Counter: of those, the ones started after the window's end. */
export const EXAM_LATE = 'moodle_exam_late';
/** Counter: journeys that failed before their start step ended. */
export const EXAM_NOT_STARTED = 'moodle_exam_not_started';

/** Random draw of a VU's moment (lib/random: the run's seed, the VU number, this draw). */
export const EXAM_MOMENT_DRAW = 5000;
