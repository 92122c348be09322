// What only k6's __VU 0 contexts run: the first init context (settings and config checked,
// options built) and the contexts k6 makes for setup() and handleSummary(). Bundled on its own
// as dist/scenario-control.js and require()d by dist/scenario.js there alone, so that a load VU
// never evaluates it: k6 evaluates a script in every VU, and every function of what it evaluates
// becomes an object in that VU (BENCHMARKS.md, "Where the memory per VU goes").
// Pure code only: the k6 metric objects and the stream state live in dist/scenario.js, once.
export { buildK6Options } from '../../lib/k6-options';
export { summaryFiles } from '../../lib/summary-files';
export { checkRunContext } from './run-context-check';
