// The scenario's custom metrics (names and meaning in lib/metric-names.ts).
import { Counter, Gauge, Trend } from 'k6/metrics';
import * as names from '../../lib/metric-names';

export const requests = new Counter(names.REQUESTS);
export const failures = new Counter(names.FAILURES);
export const duration = new Trend(names.DURATION, true);
export const relogins = new Counter(names.RELOGINS);
export const loadStart = new Gauge(names.LOAD_START, true);
