// c + a * b on four f32 lanes, for the GEMM micro-kernels (gemm.ts, fc.ts).
//
// The module is built twice (package.json build:kernels): plain SIMD, where this is a multiply
// then an add (two roundings), and with relaxed SIMD (build/convergent-relaxed.wasm), where it is
// f32x4.relaxed_madd: one fused multiply-add on CPUs that have FMA (1.2-1.3x the GEMM's
// throughput on x64), else the same multiply and add. Which module runs is chosen at load time
// (src/kernels/wasm-module.ts). Either way every output keeps its order of summation; only the
// rounding of each step differs, within the forward tests' tolerance against the reference.
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}
