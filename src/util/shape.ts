// How a tensor shape is written in messages: [2, 3, 4] (a scalar: []). One formatter for every
// error about shapes. (The .npy header writes Python's tuple repr instead, (2, 3): that is the file
// format, src/inputs/npy/npy-header.ts shapeRepr.)

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
