// Globals k6's runtime gives every script that @types/k6 does not declare, as far as this code uses
// them. The k6 side is type-checked without Node's types (tsconfig.k6.json), so these come from
// here, and a Node-only global (process, Buffer) fails the check.
export {};

declare global {
  /** k6's console: each call is a line of k6's log, at the method's level. */
  interface Console {
    log(...data: unknown[]): void;
    info(...data: unknown[]): void;
    warn(...data: unknown[]): void;
    error(...data: unknown[]): void;
    debug(...data: unknown[]): void;
  }
  var console: Console;

  /** k6's CommonJS require(): init context only, a path relative to the running script. */
  function require(path: string): unknown;
}
