// Forward Gemm and batched MatMul: Y[b] = alpha * A[b] B[b] (+ beta * C), tiled like
// forward_conv.wgsl. A is read as A(m, k) = a[a_off + m * a_sm + k * a_sk] and B as
// B(k, n) = b[b_off + k * b_sk + n * b_sn], so transposed operands are only other strides; the
// batch offsets come from up to 4 broadcast batch axes (stride 0 where an operand is broadcast).
// C (Gemm only) is read at c[m * c_sm + n * c_sn]: stride 0 broadcasts a row or a column.
//
// One workgroup of (TN/RN) x (TM/RM) invocations owns a TM x TN tile of Y; each invocation an
// RM x RN register block (row quads ty, ty + TM/RM, ...; column quads tx, tx + TN/RN, ...).
// Tiles of TK k-values of A and B are staged in workgroup memory, k-major, as vec4s of 4 rows (A)
// or 4 columns (B). Loading assigns consecutive invocations to the operand's
// contiguous index (A_K_FAST / B_K_FAST) so that global reads coalesce; the staging rows are
// padded by one vec4 so that the k-fast stores do not all hit one bank.
const TM: u32 = 64u;
const TN: u32 = 64u;
const TK: u32 = 16u;
const RM: u32 = 4u;
const RN: u32 = 4u;
const A_K_FAST: u32 = 1u;
const B_K_FAST: u32 = 0u;
const HAS_C: u32 = 0u;

const M4: u32 = TM / 4u;
const N4: u32 = TN / 4u;
const AS: u32 = M4 + 1u;
const BS: u32 = N4 + 1u;
const TX: u32 = TN / RN;
const TY: u32 = TM / RM;
const AM: u32 = RM / 4u;
const AN: u32 = RN / 4u;
const THREADS: u32 = TX * TY;
const A_ROUNDS: u32 = (TK * M4 + THREADS - 1u) / THREADS;
const B_ROUNDS: u32 = (TK * N4 + THREADS - 1u) / THREADS;

struct Params {
  m: u32,
  n: u32,
  k: u32,
  _pad0: u32,
  a_sm: u32,
  a_sk: u32,
  b_sk: u32,
  b_sn: u32,
  c_sm: u32,
  c_sn: u32,
  alpha: f32,
  beta: f32,
  // Batch axes of Y, outermost first, left-padded with 1s; the operands' strides along them.
  batch_dims: vec4<u32>,
  a_batch: vec4<u32>,
  b_batch: vec4<u32>,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> c: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

var<workgroup> a_tile: array<vec4<f32>, TK * AS>;
var<workgroup> b_tile: array<vec4<f32>, TK * BS>;

@compute @workgroup_size(TX, TY)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
  @builtin(local_invocation_index) li: u32,
) {
  let m0 = wid.y * TM;
  let n0 = wid.x * TN;
  let batch = wid.z;

  var a_off = 0u;
  var b_off = 0u;
  var rest = batch;
  for (var d = 3i; d >= 0i; d = d - 1i) {
    let coord = rest % params.batch_dims[d];
    rest = rest / params.batch_dims[d];
    a_off = a_off + coord * params.a_batch[d];
    b_off = b_off + coord * params.b_batch[d];
  }

  // acc[(4 i + c) * AN + j]: row 4 (i TY + ty) + c, columns of quad j TX + tx.
  var acc: array<vec4<f32>, RM * AN>;
  for (var i = 0u; i < RM * AN; i = i + 1u) {
    acc[i] = vec4<f32>(0.0);
  }
  let lanes = vec4<u32>(0u, 1u, 2u, 3u);

  let k_tiles = (params.k + TK - 1u) / TK;
  for (var t = 0u; t < k_tiles; t = t + 1u) {
    let k0 = t * TK;
    for (var r = 0u; r < A_ROUNDS; r = r + 1u) {
      let e = li + r * THREADS;
      if (e < TK * M4) {
        var kr: u32;
        var q: u32;
        if (A_K_FAST == 1u) {
          kr = e % TK;
          q = e / TK;
        } else {
          kr = e / M4;
          q = e % M4;
        }
        let k = k0 + kr;
        let rows = vec4<u32>(m0 + q * 4u) + lanes;
        let ok = (rows < vec4<u32>(params.m)) & vec4<bool>(k < params.k);
        let idx = select(vec4<u32>(0u), vec4<u32>(a_off + k * params.a_sk) + rows * params.a_sm, ok);
        a_tile[kr * AS + q] = select(vec4<f32>(0.0), vec4<f32>(a[idx.x], a[idx.y], a[idx.z], a[idx.w]), ok);
      }
    }
    for (var r = 0u; r < B_ROUNDS; r = r + 1u) {
      let e = li + r * THREADS;
      if (e < TK * N4) {
        var kr: u32;
        var q: u32;
        if (B_K_FAST == 1u) {
          kr = e % TK;
          q = e / TK;
        } else {
          kr = e / N4;
          q = e % N4;
        }
        let k = k0 + kr;
        let cols = vec4<u32>(n0 + q * 4u) + lanes;
        let ok = (cols < vec4<u32>(params.n)) & vec4<bool>(k < params.k);
        let idx = select(vec4<u32>(0u), vec4<u32>(b_off + k * params.b_sk) + cols * params.b_sn, ok);
        b_tile[kr * BS + q] = select(vec4<f32>(0.0), vec4<f32>(b[idx.x], b[idx.y], b[idx.z], b[idx.w]), ok);
      }
    }
    workgroupBarrier();

    for (var kr = 0u; kr < TK; kr = kr + 1u) {
      var bv: array<vec4<f32>, AN>;
      for (var j = 0u; j < AN; j = j + 1u) {
        bv[j] = b_tile[kr * BS + j * TX + lid.x];
      }
      for (var i = 0u; i < AM; i = i + 1u) {
        let av = a_tile[kr * AS + i * TY + lid.y];
        for (var j = 0u; j < AN; j = j + 1u) {
          let r = 4u * i * AN + j;
          acc[r] = fma(vec4<f32>(av.x), bv[j], acc[r]);
          acc[r + AN] = fma(vec4<f32>(av.y), bv[j], acc[r + AN]);
          acc[r + 2u * AN] = fma(vec4<f32>(av.z), bv[j], acc[r + 2u * AN]);
          acc[r + 3u * AN] = fma(vec4<f32>(av.w), bv[j], acc[r + 3u * AN]);
        }
      }
    }
    workgroupBarrier();
  }

  let y_base = batch * params.m * params.n;
  for (var j = 0u; j < AN; j = j + 1u) {
    let cols = vec4<u32>(n0 + (j * TX + lid.x) * 4u) + lanes;
    let col_ok = cols < vec4<u32>(params.n);
    for (var i = 0u; i < AM; i = i + 1u) {
      for (var q = 0u; q < 4u; q = q + 1u) {
        let row = m0 + (i * TY + lid.y) * 4u + q;
        if (row < params.m) {
          var v = params.alpha * acc[(4u * i + q) * AN + j];
          if (HAS_C == 1u) {
            let ci = select(vec4<u32>(0u), vec4<u32>(row * params.c_sm) + cols * params.c_sn, col_ok);
            v = v + params.beta * vec4<f32>(c[ci.x], c[ci.y], c[ci.z], c[ci.w]);
          }
          let o = y_base + row * params.n;
          if (col_ok.x) { y[o + cols.x] = v.x; }
          if (col_ok.y) { y[o + cols.y] = v.y; }
          if (col_ok.z) { y[o + cols.z] = v.z; }
          if (col_ok.w) { y[o + cols.w] = v.w; }
        }
      }
    }
  }
}
