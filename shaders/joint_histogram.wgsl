// Joint histograms of unit pairs (contract: src/kernels/joint-histogram/contract.ts), counting
// step; the bins come from joint_histogram_bin.wgsl (or the host, for float64 batches): four bins
// packed little-endian in a u32, unit u's sample s being byte (s % 4) of word u * words + s / 4.
//
// One workgroup per (unit a, unit b, split of the samples): counts the samples by (bin a, bin b)
// with atomics on BINS^2 u32 counters in workgroup memory, then adds them to the pair's counters
// in the storage buffer with atomicAdd (splits of the same pair land on the same counters). The
// host keeps every counter below 2^32 and replaces the `const` lines (BINS, CELLS = BINS^2, WG).

const BINS: u32 = 10u;
const CELLS: u32 = 100u;
const WG: u32 = 256u;

struct JointParams {
  units_b: u32,
  words: u32,
  n: u32,
  row_a0: u32,
  rows_a: u32,
  grid_x: u32,
  words_per_split: u32,
  _pad: u32,
}

@group(0) @binding(0) var<uniform> jp: JointParams;
@group(0) @binding(1) var<storage, read> bins_a: array<u32>;
@group(0) @binding(2) var<storage, read> bins_b: array<u32>;
@group(0) @binding(3) var<storage, read_write> counts: array<atomic<u32>>;

var<workgroup> hist: array<atomic<u32>, CELLS>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let pair = wid.x + wid.y * jp.grid_x;
  if (pair >= jp.rows_a * jp.units_b) {
    return;
  }
  let a = jp.row_a0 + pair / jp.units_b;
  let b = pair % jp.units_b;
  for (var c = lid; c < CELLS; c += WG) {
    atomicStore(&hist[c], 0u);
  }
  workgroupBarrier();
  let w0 = wid.z * jp.words_per_split;
  let w1 = min(jp.words, w0 + jp.words_per_split);
  let row_a = a * jp.words;
  let row_b = b * jp.words;
  for (var w = w0 + lid; w < w1; w += WG) {
    let wa = bins_a[row_a + w];
    let wb = bins_b[row_b + w];
    let left = jp.n - w * 4u;
    for (var k = 0u; k < min(4u, left); k++) {
      let ia = (wa >> (8u * k)) & 0xffu;
      let ib = (wb >> (8u * k)) & 0xffu;
      atomicAdd(&hist[ia * BINS + ib], 1u);
    }
  }
  workgroupBarrier();
  let out = pair * CELLS;
  for (var c = lid; c < CELLS; c += WG) {
    let v = atomicLoad(&hist[c]);
    if (v != 0u) {
      atomicAdd(&counts[out + c], v);
    }
  }
}
