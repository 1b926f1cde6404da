// The host lays out buffers after the static data; it needs to know where that ends.
export function heapBase(): usize {
  return __heap_base;
}
