// What each load iteration requests: a pure function of (seed, iteration number), so a
// run can be repeated exactly with the same --seed whichever VU runs which iteration.
import type { Endpoint, ParamRange } from './config';
import { iterationKey, uniformFromKey, uniformIntFromKey } from './random';
import { renderTemplate } from './template';

export interface PlannedRequest {
  /** The url entry, or -1 when the iteration is a journey. */
  readonly endpointIndex: number;
  /** Path and query, relative to base_url ('' for a journey). */
  readonly path: string;
  /** The journey, or -1 when the iteration is a page view. */
  readonly journeyIndex: number;
}

export class RequestPlan {
  private readonly cumulativeWeights: number[];
  private readonly totalWeight: number;

  constructor(
    private readonly endpoints: readonly Endpoint[],
    private readonly parameters: Readonly<Record<string, ParamRange>>,
    journeyWeights: readonly number[] = [],
  ) {
    let sum = 0;
    this.cumulativeWeights = endpoints.map((e) => (sum += e.weight));
    for (const w of journeyWeights) this.cumulativeWeights.push((sum += w));
    this.totalWeight = sum;
  }

  /** Draw 0 picks the endpoint; draws 1.. fill its placeholders in order. */
  pick(seed: number, iteration: number): PlannedRequest {
    const key = iterationKey(seed, iteration);
    const endpointIndex = this.pickEndpoint(uniformFromKey(key, 0) * this.totalWeight);
    if (endpointIndex >= this.endpoints.length) return { endpointIndex: -1, path: '', journeyIndex: endpointIndex - this.endpoints.length };
    const endpoint = this.endpoints[endpointIndex] as Endpoint;
    const path = renderTemplate(endpoint.template, (name, index) => {
      const range = this.parameters[name] as ParamRange;
      return uniformIntFromKey(key, index + 1, range.min, range.max);
    });
    return { endpointIndex, path, journeyIndex: -1 };
  }

  /** Binary search for the first cumulative weight above the point. */
  private pickEndpoint(point: number): number {
    let lo = 0;
    let hi = this.cumulativeWeights.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (point < (this.cumulativeWeights[mid] as number)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}
