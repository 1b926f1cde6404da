// Test matrices with a known spectrum, shared by the eigensolver tests (eigen.test.ts, eigen-partial.test.ts).

/** Q diag(lambda) Q' for an orthogonal Q (n x n row-major). */
export function fromSpectrum(q: Float64Array, lambda: number[]): Float64Array {
  const n = lambda.length;
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += q[i * n + k] * lambda[k] * q[j * n + k];
      a[i * n + j] = a[j * n + i] = s;
    }
  }
  return a;
}
