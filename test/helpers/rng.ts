// A seeded xorshift32 generator for tests that build random problems (same data every run).
import { XorShift32 } from '../../src/util/random.js';

export class Rng extends XorShift32 {
  /** Box-Muller, one normal from two uniforms (the second of the pair is not kept). */
  normal(): number {
    return Math.sqrt(-2 * Math.log(this.uniform())) * Math.cos(2 * Math.PI * this.uniform());
  }
}
