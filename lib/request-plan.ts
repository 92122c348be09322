// What each load iteration requests: a pure function of (seed, iteration number), so a
// run can be repeated exactly with the same --seed whichever VU runs which iteration.
import type { Endpoint, ParamRange } from './config';
import { iterationKey, uniformFromKey, uniformIntFromKey } from './random';
import { renderTemplate } from './template';

export interface PlannedRequest {
  readonly endpointIndex: number;
  /** Path and query, relative to base_url. */
  readonly path: string;
}

export class RequestPlan {
  private readonly cumulativeWeights: number[];
  private readonly totalWeight: number;

  constructor(
    private readonly endpoints: readonly Endpoint[],
    private readonly parameters: Readonly<Record<string, ParamRange>>,
  ) {
    let sum = 0;
    this.cumulativeWeights = endpoints.map((e) => (sum += e.weight));
    this.totalWeight = sum;
  }

  /** Draw 0 picks the endpoint; draws 1.. fill its placeholders in order. */
  pick(seed: number, iteration: number): PlannedRequest {
    const key = iterationKey(seed, iteration);
    const endpointIndex = this.pickEndpoint(uniformFromKey(key, 0) * this.totalWeight);
    const endpoint = this.endpoints[endpointIndex] as Endpoint;
    const path = renderTemplate(endpoint.template, (name, index) => {
      const range = this.parameters[name] as ParamRange;
      return uniformIntFromKey(key, index + 1, range.min, range.max);
    });
    return { endpointIndex, path };
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
