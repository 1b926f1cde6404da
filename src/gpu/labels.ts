// Every GPU object this package creates is labelled `convergent.<kernel>: <what>`, so that a
// validation error or a capture in a GPU debugger names the kernel that made it.
export function gpuLabel(kernel: string, what?: string): string {
  return what === undefined ? `convergent.${kernel}` : `convergent.${kernel}: ${what}`;
}
