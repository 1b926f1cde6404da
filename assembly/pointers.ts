// Work-area carving and element access by index for the solver kernels (assignment.ts,
// eigen.ts, lasso.ts), whose arrays the host lays out: p is a byte offset, i an element index.
// All inline, so the kernels compile to the same code as when each file wrote them out.

// @ts-ignore: decorator
@inline export function align16(x: usize): usize {
  return (x + 15) & ~(<usize>15);
}

// @ts-ignore: decorator
@inline export function ldf(p: usize, i: i32): f64 {
  return load<f64>(p + (<usize>i << 3));
}

// @ts-ignore: decorator
@inline export function stf(p: usize, i: i32, x: f64): void {
  store<f64>(p + (<usize>i << 3), x);
}

// @ts-ignore: decorator
@inline export function ldi(p: usize, i: i32): i32 {
  return load<i32>(p + (<usize>i << 2));
}

// @ts-ignore: decorator
@inline export function sti(p: usize, i: i32, x: i32): void {
  store<i32>(p + (<usize>i << 2), x);
}
