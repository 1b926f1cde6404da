// Workgroup shapes of the WebGPU moment kernel, chosen once per device from its limits.
import { fitsLinearWorkgroup, linearWorkgroup } from '../../gpu/workgroups.js';

export interface MomentTileConfig {
  /** Output tile side of the GEMM (units); (tile/4)^2 invocations, 4 x 4 outputs each. */
  tile: number;
  /** Samples staged in workgroup memory per step of the GEMM. */
  tileK: number;
  /** Invocations per workgroup of the centring pass. */
  centerWorkgroup: number;
  /** Invocations per workgroup of the split reduction. */
  reduceWorkgroup: number;
}

/** Whether a GEMM tile of side `tile` staging `tileK` samples fits the device. */
function gemmTileFits(limits: GPUSupportedLimits, tile: number, tileK: number): boolean {
  const t4 = tile / 4;
  return (
    t4 * t4 <= limits.maxComputeInvocationsPerWorkgroup &&
    t4 <= Math.min(limits.maxComputeWorkgroupSizeX, limits.maxComputeWorkgroupSizeY) &&
    2 * tileK * tile * 4 <= limits.maxComputeWorkgroupStorageSize
  );
}

export function chooseMomentTiles(limits: GPUSupportedLimits): MomentTileConfig {
  const tileK = 32;
  const tile = [64, 32].find((t) => gemmTileFits(limits, t, tileK)) ?? 16;
  return {
    tile,
    tileK,
    // The centring pass sums a row with one f32 partial per invocation in workgroup memory.
    centerWorkgroup: linearWorkgroup(limits, 4),
    reduceWorkgroup: linearWorkgroup(limits),
  };
}

/** Throws unless the tiles fit the device (for overrides from tests and tuning). */
export function checkMomentTiles(t: MomentTileConfig, limits: GPUSupportedLimits): void {
  const ok =
    [16, 32, 64].includes(t.tile) &&
    [8, 16, 32, 64].includes(t.tileK) &&
    gemmTileFits(limits, t.tile, t.tileK) &&
    fitsLinearWorkgroup(limits, t.centerWorkgroup, 4) &&
    fitsLinearWorkgroup(limits, t.reduceWorkgroup);
  if (!ok) throw new Error(`moment kernel tiles ${JSON.stringify(t)} do not fit the device limits`);
}
