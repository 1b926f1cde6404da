// Workgroup shapes of the forward kernels, chosen once per device from its limits, and the
// per-layer tile of the tiled GEMMs (conv, gemm, matmul). The one-dimensional workgroups are
// sized by src/gpu/workgroups.ts, like the other WebGPU kernels'.
import { fitsLinearWorkgroup, linearWorkgroup, nextPowerOfTwo } from '../../gpu/workgroups.js';

export interface ForwardTiles {
  /** Most invocations per workgroup of the tiled GEMMs: 64, 128 or 256. */
  gemmThreads: number;
  /** Most k-values staged in workgroup memory per step of the tiled GEMMs: 8, 16 or 32. */
  tileK: number;
  /** Largest register block side of the tiled GEMMs: 4 (4 x 4 outputs per invocation) or 8. */
  registers: number;
  /** Invocations per workgroup of the elementwise kernels. */
  workgroup: number;
  /** Largest workgroup of the row reductions (softmax, global average pool); a power of two. */
  reduceWorkgroup: number;
  /**
   * Workgroups a GEMM should get before its tiles grow: enough to spread a small layer over a
   * GPU's cores (32), or over a software rasteriser's threads (a few per CPU core), where fewer,
   * larger workgroups run faster.
   */
  minWorkgroups: number;
}

/**
 * One tiled-GEMM dispatch: a tm (rows: output channels / M) x tn (columns: pixels / N) output
 * tile per workgroup, k staged tk at a time, an rm x rn register block per invocation.
 */
export interface GemmTile {
  tm: number;
  tn: number;
  tk: number;
  rm: number;
  rn: number;
}

/** Workgroup memory of a GEMM tile: tk rows of (tm + tn) floats plus one padding vec4 per row and operand. */
export function gemmTileBytes(t: { tm: number; tn: number; tk: number }): number {
  return t.tk * (t.tm + t.tn + 8) * 4;
}

/** ForwardTiles.minWorkgroups for a GPU. */
export const GPU_MIN_WORKGROUPS = 32;

/** Logical CPU cores where the platform says (browsers, Deno, Node >= 21), else 4. */
function cpuCores(): number {
  const n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return typeof n === 'number' && n > 0 ? n : 4;
}

export function chooseForwardTiles(limits: GPUSupportedLimits, isSoftware = false): ForwardTiles {
  const gemmThreads = [256, 128, 64].find((t) => t <= limits.maxComputeInvocationsPerWorkgroup) ?? 64;
  const workgroup = linearWorkgroup(limits);
  // A row reduction keeps one f32 partial per invocation in workgroup memory.
  const reduceWorkgroup = linearWorkgroup(limits, 4);
  // gemmTile() lowers tileK for the tiles that would not fit workgroup memory.
  const minWorkgroups = isSoftware ? 2 * cpuCores() : GPU_MIN_WORKGROUPS;
  return { gemmThreads, tileK: 32, registers: 8, workgroup, reduceWorkgroup, minWorkgroups };
}

/** Throws unless the tiles fit the device (for overrides from tests and tuning). */
export function checkForwardTiles(t: ForwardTiles, limits: GPUSupportedLimits): void {
  const ok =
    [64, 128, 256].includes(t.gemmThreads) &&
    [8, 16, 32].includes(t.tileK) &&
    [4, 8].includes(t.registers) &&
    t.gemmThreads <= limits.maxComputeInvocationsPerWorkgroup &&
    // The widest workgroup: 4 x 4 blocks, 16 rows (4 invocations) x gemmThreads / 4 columns.
    t.gemmThreads / 4 <= limits.maxComputeWorkgroupSizeX &&
    16 <= limits.maxComputeWorkgroupSizeY &&
    gemmTileBytes({ tm: 16, tn: 256, tk: 8 }) <= limits.maxComputeWorkgroupStorageSize &&
    fitsLinearWorkgroup(limits, t.workgroup) &&
    t.reduceWorkgroup >= 32 &&
    fitsLinearWorkgroup(limits, t.reduceWorkgroup, 4) &&
    Number.isInteger(t.minWorkgroups) &&
    t.minWorkgroups >= 1;
  if (!ok) throw new Error(`forward kernel tiles ${JSON.stringify(t)} do not fit the device limits`);
}

/**
 * The tile for `rows` x `cols` outputs, repeated `batches` times (conv groups, matmul batches):
 * tm = 16, 32 or 64 rows (so that a 6-channel layer does not pay for 64); then, most work per
 * invocation first (8 x 8 register blocks before 4 x 4, more invocations before fewer), the
 * first tile that still gives tiles.minWorkgroups workgroups, else the one giving the most. Columns
 * are never wider than the columns there are (rounded up to a power of two) nor than 256; k
 * steps of tiles.tileK, or less where workgroup memory is short.
 */
export function gemmTile(tiles: ForwardTiles, rows: number, cols: number, workgroupStorage: number, batches = 1): GemmTile {
  const tm = Math.min(64, Math.max(16, nextPowerOfTwo(rows)));
  const widest = Math.min(256, Math.max(16, nextPowerOfTwo(cols)));
  let best: { tile: GemmTile; groups: number } | undefined;
  for (const r of tiles.registers >= 8 ? [8, 4] : [4]) {
    for (let threads = tiles.gemmThreads; threads >= 32; threads /= 2) {
      const tn = (threads * r * r) / tm;
      // The conv kernel keeps an invocation on one pixel quad while loading: threads must be a
      // multiple of tn / 4, i.e. 4 tm >= r * r (always true for tm >= 16).
      if (tn < 16 || tn > widest || (4 * tm) % (r * r) !== 0) continue;
      let tk = tiles.tileK;
      while (tk > 8 && gemmTileBytes({ tm, tn, tk }) > workgroupStorage) tk /= 2;
      if (gemmTileBytes({ tm, tn, tk }) > workgroupStorage) continue;
      const tile = { tm, tn, tk, rm: r, rn: r };
      const groups = Math.ceil(rows / tm) * Math.ceil(cols / tn) * batches;
      if (groups >= tiles.minWorkgroups) return tile;
      if (!best || groups > best.groups) best = { tile, groups };
    }
  }
  if (best) return best.tile;
  // Nothing above fits (tiny workgroup memory): the smallest tile.
  return { tm, tn: 16, tk: 8, rm: 4, rn: 4 };
}
