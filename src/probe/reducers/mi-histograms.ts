// Reducer `mi-histograms`: per layer, the bin edges of every unit and the joint histogram of
// every between-net pair of units, from which the `mi` method computes mutual information
// (Li et al. 2016, sec. 3: the second similarity measure besides correlation).
//
// Two passes over the layer:
//  pass 0  the edges. Bin 0 holds the values at or below the zero threshold (`zero-threshold`,
//          default 0: a ReLU that is off); bins 1 .. bins-1 split the values above it into
//          equal-mass percentile bins. The cut points are order statistics (inverted CDF):
//          with m values above the threshold, sorted v_(1) <= ... <= v_(m), cut k (k = 1 ..
//          bins-2) is v_(j) with j = ceil(m k / (bins - 1)), so bin k holds the values in
//          (cut k-1, cut k] and has about m / (bins - 1) of them (exactly, but for ties).
//          The edges of unit u are [threshold, cut 1, ..., cut bins-2] and a value's bin is the
//          number of edges strictly below it (src/kernels/joint-histogram/reference.ts).
//  pass 1  the joint counts on the backend's device (WebGPU, WASM or the reference).
//
// Columns. When a layer's counters (every between-net pair of units x bins^2) need more than
// `max-memory-mb` (fc6 of two AlexNets at 10 bins: 1.7e9 counters, 19 GiB on WASM) but one byte
// per unit and sample does (fc6 of two AlexNets at 50,000 images: 391 MiB), pass 1 only keeps
// every unit's bin of every sample, and finish() counts every unit pair from them in a reused
// bins^2 histogram and reduces it to the pair's MI (src/probe/reducers/mi-columns.ts,
// assembly/mi-pairs.ts): two passes whatever the width, and result.json says `columns` and the
// run holds `mi.<a>.<b>.npy` and `miller-madow.<a>.<b>.npy` as a tiled layer's (the same values,
// bit for bit). A sharded probe's parts keep their own samples' bins, and merge joins them.
//
// Tiles. When neither fits (`counting` auto), or with `counting: tiles`, the layer is
// counted in tiles instead (src/probe/reducers/mi-tiles.ts): the unit pairs are cut into blocks
// whose counters fit, and pass 1 + t counts block t only (one more pass over the layer per tile:
// `passesFor`). Between passes the tile's counts are reduced to each pair's plug-in MI and its
// Miller-Madow term (mi-estimate.ts, as the `mi` method computes them from joint histograms) and
// dropped, so result.json says `tiled` and the run holds `mi.<a>.<b>.npy` (float64) and
// `miller-madow.<a>.<b>.npy` (the Miller-Madow correction, float64) instead of `joint.<a>.<b>.npy`. The counts are exact for
// every tile, so the MI equals the untiled run's bit for bit. create() logs the plan (tiles,
// counters and bytes per tile, the pair-samples to count); on a layer of 1e9 pair-samples or
// more, the end of pass 0 an estimate and each tile's end its time and one for the tiles left. Checkpoints inside any tile restore exactly; sharded probes
// (--shard) are refused for a tiled layer by the probe (src/probe/probe.ts validateReducerLayer).
//
// Quantiles from a stream. Exact order statistics need every value; this reducer keeps, per unit,
// a seeded uniform reservoir sample of at most `reservoir` (default 65536) of the values above
// the threshold (Li's algorithm L: O(K (1 + log(m / K))) random draws per unit, so the cost is
// one comparison per value), and takes the order statistics of the sample. While a unit has at
// most `reservoir` values above the threshold the sample is all of them and the edges are exact
// (result.json counts such units per net: `exactEdges`). Beyond that, the cut meant to lie at
// rank fraction p of the unit's values above the threshold lies at fraction p + e, where e has
// standard deviation sqrt(p (1 - p) / K) <= 0.5 / sqrt(K) = 0.0020 for K = 65536; a bin meant to
// hold a fraction q = 1 / (bins - 1) of them holds q with a standard deviation of
// sqrt(q (1 - q) / K) (0.0012 for 10 bins: 0.111 +- 0.0012); and by the Dvoretzky-Kiefer-Wolfowitz
// inequality max_p |e| <= sqrt(ln(2 / alpha) / (2 K)) with probability 1 - alpha (0.0105 for
// alpha = 1e-6), so no bin is off by more than 0.021 then.
// Only which (near-)equal-mass discretisation is used depends on the sample: the counts and the
// mutual information are then computed exactly over all samples for the edges chosen. Memory:
// 4 (float32 files) or 8 (float64) bytes x min(K, samples) per unit during pass 0.
//
// Each unit draws from its own generator (seeded from `seed`, the net and the unit), so the edges
// do not depend on the batch size (src/probe/reducers/mi-reservoir.ts).
//
// `binning: li2016` places the edges as the paper's released code does instead (a zero bin of the
// values below 1e-6 and about 0.1% more, np.percentile edges, numpy's bin rule), from the same
// reservoirs plus the count and largest value below 1e-6 per unit: src/probe/reducers/mi-li2016.ts.
//
// Checkpoints and shards (src/probe/reducers/mi-snapshot.ts). snapshot/restore are exact in both
// passes: pass 0 saves the reservoirs with their generators' states, pass 1 the edges and the
// counts so far (restored as float64 base counts that finish() adds to the kernel's: 8 bytes a
// counter more than miHistogramBytes says, for a state resumed in pass 1). merge:
// pass 0 merges the reservoirs, pass 1 adds the counts of parts that used the same edges (else it
// refuses, naming the layer, net and unit). The merged edges are those of a single run when every
// unit has at most `reservoir` values above the threshold (result.json `exactEdges` counts such
// units): the reservoirs then hold all values. Beyond that, the merged reservoir is a uniform
// sample of `reservoir` of the unit's values, as a single run's is, but a different one (drawn
// from the parts' samples by the hypergeometric law), so the edges come from a different, equally
// valid, sample, with the error bounds above; the counts are exact for the edges used.
import { createWasmJointHistogramKernel, gatherBatches, type JointHistogramKernel, type JointHistogramSpec } from '../../kernels/joint-histogram/index.js';
import type { Reducer, ReducerLayer, ReducerOutput, ReducerSnapshot, ReducerState } from './types.js';
import { MI_HISTOGRAMS, layerPairs, miHistogramSettings, type MiHistogramSettings } from './mi-settings.js';
import { NetReservoir } from './mi-reservoir.js';
import { decodeMiSnapshot, encodeMiSnapshot, mergeMiSnapshots, type MiPass0, type MiPass1 } from './mi-snapshot.js';
import { addZeros, createZeroArrays, li2016Edges, li2016KernelEdges, li2016ZeroLimit, nextDown } from './mi-li2016.js';
import { describeMiPlan, estimateColumnsSeconds, estimateTiledSeconds, isLongLayer, planMiTiles, tilePairs, type MiCounting, type MiTilePlan } from './mi-tiles.js';
import { countsWithBase, createMiResults, reduceTile, tileBatch, tileSpec } from './mi-tiled-counts.js';
import { MiColumnsCounter } from './mi-columns.js';
import { hardwareConcurrency } from '../../platform/workers.js';

export { MI_HISTOGRAMS, miHistogramSettings, type MiHistogramSettings } from './mi-settings.js';
export { orderStatistic, selectRanks } from './mi-quantiles.js';
export { planMiTiles, describeMiPlan, type MiTilePlan } from './mi-tiles.js';

/** What the reducer writes to result.json, read back by the `mi` method. */
export interface MiHistogramsJson {
  /** Absent in runs probed before the option existed: the default binning. */
  binning?: MiHistogramSettings['binning'];
  bins: number;
  zeroThreshold: number;
  reservoir: number;
  seed: number;
  samples: number;
  /** li2016Raises (binning li2016): the units on which the paper's code raises (its MI is left out). */
  nets: { name: string; units: number; exactEdges: number; li2016Raises?: number[] }[];
  /** Net indices [a, b]: `joint.<net a>.<net b>.npy` has shape [units a, units b, bins, bins]. */
  pairs: [number, number][];
  kernel: string;
  quantiles: string;
  /** Present when the layer was counted in tiles: no joint histograms, the per-pair MI instead. */
  tiled?: MiTiledJson;
  /** Present when the layer was counted from binned columns: no joint histograms, the per-pair MI instead (as tiled). */
  columns?: MiColumnsJson;
}

/** What a layer counted from binned columns writes instead of the joint histograms (the arrays of a tiled layer). */
export interface MiColumnsJson {
  /** The samples binned and counted. */
  samples: number;
  maxMemoryMb: number;
  arrays: 'information';
}

/** What a layer counted in tiles writes instead of the joint histograms (see the file's header). */
export interface MiTiledJson {
  tiles: number;
  maxMemoryMb: number;
  /** Per pair of nets: `mi.<a>.<b>.npy` (plug-in MI, float64 [units a, units b]) and `miller-madow.<a>.<b>.npy` (the Miller-Madow correction, float64). */
  arrays: 'information';
}

/**
 * The reducer's state for one layer, from its start (`create`) or a saved state (`restore`):
 * pass 0 fills the reservoirs, nextPass(1) turns them into edges and a counting kernel, pass 1
 * counts (a layer counted in tiles: pass 1 + t counts tile t, and nextPass reduces the tile
 * before to MI). A restored counting state keeps the saved counts as `base` and adds the
 * kernel's to them.
 */
function miState(layer: ReducerLayer, s: MiHistogramSettings, plan: MiTilePlan, start: MiPass0 | MiPass1): ReducerState {
  const pairs = layerPairs(layer.nets.length);
  const log = layer.log ?? (() => {});
  let reservoirs: NetReservoir[] | null = start.pass === 0 ? start.reservoirs.map((r, k) => NetReservoir.restore(layer.nets[k].units, r, `${MI_HISTOGRAMS}, layer ${layer.layer}, net ${layer.nets[k].name}`)) : null;
  const li2016 = start.pass === 0 ? start.li2016 : undefined;
  if (start.pass === 0 && s.binning === 'li2016' && !li2016) throw new Error(`${MI_HISTOGRAMS}, layer ${layer.layer}: binning li2016 without its counts below 1e-6`);
  let counted: (Omit<MiPass1, 'pass' | 'counts'> & { base: Float64Array[] | null }) | null = start.pass === 1 ? { ...start, base: start.counts } : null;
  if (counted) checkSavedCounting(layer, s, plan, counted.tiled ? 'tiles' : counted.columns !== undefined ? 'columns' : counted.base ? 'whole' : null);
  /** Counting from binned columns: made with the edges (nextPass(1) or a restored pass-1 state). */
  let columns: MiColumnsCounter | null = null;
  const startColumns = async () => {
    const { edges } = counted!;
    // The pairs are counted at the end on the backend's CPU threads (one without a backend, as the
    // kernel), each worker with its own copy of the columns besides a shared one: no more threads
    // than max-memory-mb holds copies next to the results (kernels/joint-histogram/parallel-columns.ts).
    const copies = Math.floor((s.maxMemoryMb * 2 ** 20 - (plan.resultBytes ?? 0)) / Math.max(1, plan.columnBytes ?? 0));
    const threads = layer.backend ? Math.min(layer.backend.threads ?? (await hardwareConcurrency()), copies - 1) : 1;
    columns = new MiColumnsCounter({ bins: s.bins, units: layer.nets.map((n) => n.units), edges: kernelEdges(edges), pairs }, layer.samples, counted!.columns ?? null, threads);
    // The counter holds the restored bins now (and lets them go once they are in its memory).
    counted!.columns = null;
  };
  let kernel: JointHistogramKernel | null = null;
  /** The kernel's edges per net (li2016: numpy puts a value above the edges <= it, the kernel above those < it: mi-li2016.ts). */
  const kernelEdges = (edges: Float64Array[]) => (s.binning === 'li2016' ? edges.map(li2016KernelEdges) : edges);
  // Small batches (an fc layer's 64 images) gathered first: the kernels pay a cost per unit pair and call (kernels/joint-histogram/gathered.ts).
  // A tile on WASM counts on this thread: its plan counts on the kernel lending its u32 counters
  // (countsView), which the threaded kernel's workers cannot (kernels/joint-histogram/parallel.ts).
  const makeKernel = async (spec: JointHistogramSpec, tiled: boolean) =>
    gatherBatches(await (layer.backend && !(tiled && layer.backend.kind === 'wasm') ? layer.backend.jointHistogram(spec) : createWasmJointHistogramKernel(spec)), spec);
  const startKernel = async () => {
    const { edges, tiled } = counted!;
    // On the probe's backend (its own device); a layer given without one counts on WASM.
    const spec: JointHistogramSpec = tiled ? tileSpec(plan.tiles![tiled.tile], pairs, kernelEdges(edges), s.bins) : { bins: s.bins, units: layer.nets.map((n) => n.units), edges: kernelEdges(edges), pairs };
    kernel = await makeKernel(spec, !!tiled);
  };
  /** The counts so far (of the tile being counted, when tiled): the kernel's plus the restored base; null when nothing was counted. */
  const counts = async (): Promise<Float64Array[] | null> => {
    if (!counted) throw new Error(`${MI_HISTOGRAMS}, layer ${layer.layer}: no counts before the second pass`);
    return countsWithBase(kernel, counted.base);
  };
  const kernelNames = () => [...new Set([...(counted?.kernels ?? []), ...(kernel ? [kernel.name] : []), ...(columns && columns.filled > 0 ? [columns.name] : [])])];
  /** Columns: every pair counted and reduced, its time logged on a long layer (the plan's estimate before it). */
  const countColumns = async (counter: MiColumnsCounter) => {
    const unitPairs = plan.counters / (s.bins * s.bins);
    if (long) log(`${MI_HISTOGRAMS}, layer ${layer.layer}: counting ${unitPairs} unit pairs over ${counter.filled} samples from the binned columns: about ${(estimateColumnsSeconds(unitPairs, counter.filled) / counter.threads).toFixed(0)} s${counter.threads > 1 ? ` on ${counter.threads} threads` : ''}`);
    const started = performance.now();
    const results = await counter.information();
    if (long) log(`${MI_HISTOGRAMS}, layer ${layer.layer}: ${unitPairs} unit pairs counted and reduced to MI in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return results;
  };
  /** Tiled: the tile being counted reduced into the results, its counters dropped. */
  const reduceCurrentTile = async () => {
    const tiled = counted!.tiled!;
    const tile = plan.tiles![tiled.tile];
    // The kernel's own counters where it can lend them (no float64 copy of the tile), unless a restored base must be added.
    const lent = !counted!.base && kernel?.countsView ? await kernel.countsView() : null;
    const c = lent ?? (await counts()) ?? tile.map((g) => new Float64Array((g.a1 - g.a0) * (g.b1 - g.b0) * s.bins * s.bins));
    reduceTile(tile, pairs, layer.nets, s.bins, c, tiled.results);
    counted!.kernels = kernelNames();
    await kernel?.dispose();
    kernel = null;
    counted!.base = null;
  };
  // Timing of the passes, for the estimates logged between them: on a layer with work enough for them.
  const long = isLongLayer(plan, layer.samples, s.bins);
  let passStarted = performance.now();
  // Seconds of each counting pass so far; the first has no tile to reduce before it, so the pace is the others' mean once there are any.
  const tileSeconds: number[] = [];
  return {
    async update(batch) {
      const pass = batch.pass ?? 0;
      if (pass === 0) {
        if (!reservoirs) throw new Error(`${MI_HISTOGRAMS}: pass 0 after the edges were fixed`);
        if (reservoirs.some((r) => r.complete)) throw new Error(`${MI_HISTOGRAMS}, layer ${layer.layer}: a state merged from parts holds the whole of pass 0 and takes no more pass-0 batches`);
        if (li2016) {
          // The paper's `x < 1e-6` in the batch's dtype; the reservoirs keep the rest (x >= the limit).
          const float32 = batch.nets.every((data) => data instanceof Float32Array);
          if (!float32) li2016.float64 = true;
          const limit = li2016ZeroLimit(float32);
          batch.nets.forEach((data, k) => {
            addZeros(li2016.zeros[k], data, batch.samples, limit);
            reservoirs![k].add(data, batch.samples, nextDown(limit));
          });
        } else batch.nets.forEach((data, k) => reservoirs![k].add(data, batch.samples, s.zeroThreshold));
      } else {
        if (!counted) throw new Error(`${MI_HISTOGRAMS}: counting before the edges were fixed`);
        const tiled = counted.tiled;
        if (tiled && pass !== 1 + tiled.tile) throw new Error(`${MI_HISTOGRAMS}, layer ${layer.layer}: a batch of pass ${pass} while counting tile ${tiled.tile} (pass ${1 + tiled.tile})`);
        if (plan.counting === 'columns') {
          if (pass !== 1) throw new Error(`${MI_HISTOGRAMS}, layer ${layer.layer}: a batch of pass ${pass}; a layer counted from binned columns has passes 0 and 1`);
          if (!columns) await startColumns();
          await columns!.add(batch.nets, batch.samples);
          return;
        }
        if (!kernel) await startKernel();
        await kernel!.add(tiled ? tileBatch(plan.tiles![tiled.tile], pairs, batch.nets, batch.samples) : batch.nets, batch.samples);
      }
    },
    async nextPass(pass) {
      const seconds = (performance.now() - passStarted) / 1000;
      passStarted = performance.now();
      if (pass === 1 && reservoirs) {
        if (li2016) {
          const made = reservoirs.map((r, k) => li2016Edges(r.arrays(), li2016.zeros[k], s.bins, !li2016.float64));
          counted = { edges: made.map((m) => m.edges), above: reservoirs.map((r) => r.seen), exact: made.map((m) => m.exact), raises: made.map((m) => m.raises), kernels: [], base: null };
        } else {
          const made = reservoirs.map((r) => r.edges(s.bins, s.zeroThreshold));
          counted = { edges: made.map((m) => m.edges), above: reservoirs.map((r) => r.seen), exact: made.map((m) => m.exact), kernels: [], base: null };
        }
        reservoirs = null;
        if (plan.counting === 'columns') counted.columns = null;
        if (plan.tiles) {
          counted.tiled = { tile: 0, tiles: plan.tiles.length, results: createMiResults(layer.nets, pairs) };
          const tiles = plan.tiles.length;
          const guess = estimateTiledSeconds(plan, layer.samples, s.bins, seconds);
          if (long) log(
            `${MI_HISTOGRAMS}, layer ${layer.layer}: edges placed (pass 0: ${seconds.toFixed(1)} s); counting tile 1 of ${tiles} (${tilePairs(plan.tiles[0])} unit pairs); ` +
              `each tile reads the layer again: about ${guess.toFixed(0)} s for the ${tiles} tiles if a pass reads as fast as pass 0 and the WASM kernel's one-core rate here holds (the time of each tile follows)`,
          );
        }
        // The counting kernel starts with the first pass-1 batch: a state that only hands its edges
        // on (`convergent merge` between the passes of a sharded probe) allocates no counters.
        return;
      }
      const tiled = counted?.tiled;
      if (!tiled || pass !== tiled.tile + 2) throw new Error(`${MI_HISTOGRAMS}, layer ${layer.layer}: unexpected pass ${pass}`);
      await reduceCurrentTile();
      tiled.tile++;
      tileSeconds.push(seconds);
      const paced = tileSeconds.length > 1 ? tileSeconds.slice(1) : tileSeconds;
      const pace = paced.reduce((a, b) => a + b, 0) / paced.length;
      const left = plan.tiles!.length - tiled.tile;
      if (long) log(
        `${MI_HISTOGRAMS}, layer ${layer.layer}: tile ${tiled.tile} of ${plan.tiles!.length} counted in ${seconds.toFixed(1)} s; ` +
          `counting tile ${tiled.tile + 1} (${tilePairs(plan.tiles![tiled.tile])} unit pairs); about ${(left * pace).toFixed(0)} s for the ${left} left`,
      );
    },
    async snapshot(): Promise<ReducerSnapshot> {
      if (reservoirs) return encodeMiSnapshot(layer.nets, s, { pass: 0, reservoirs: reservoirs.map((r) => r.arrays()), ...(li2016 ? { li2016 } : {}) });
      if (!counted) throw new Error(`${MI_HISTOGRAMS}, layer ${layer.layer}: the state was disposed`);
      const { edges, above, exact, raises, tiled } = counted;
      const saved = plan.counting === 'columns' ? { columns: columns ? columns.bins() : (counted.columns ?? null) } : {};
      return encodeMiSnapshot(layer.nets, s, { pass: 1, edges, above, exact, counts: await counts(), kernels: kernelNames(), ...(raises ? { raises } : {}), ...(tiled ? { tiled } : {}), ...saved });
    },
    async finish(): Promise<ReducerOutput> {
      if (!counted) throw new Error(`${MI_HISTOGRAMS}: finished before the second pass`);
      const { edges, above, exact, raises, tiled } = counted;
      const arrays: NonNullable<ReducerOutput['arrays']> = {};
      layer.nets.forEach((n, k) => {
        arrays[`edges.${n.name}`] = { data: edges[k], shape: [n.units, s.bins - 1] };
        arrays[`above.${n.name}`] = { data: above[k], shape: [n.units] };
      });
      if (tiled) {
        if (tiled.tile !== plan.tiles!.length - 1) throw new Error(`${MI_HISTOGRAMS}, layer ${layer.layer}: finished at tile ${tiled.tile + 1} of ${plan.tiles!.length}`);
        await reduceCurrentTile();
        pairs.forEach(([a, b], p) => {
          const [A, B] = [layer.nets[a], layer.nets[b]];
          arrays[`mi.${A.name}.${B.name}`] = { data: tiled.results.mi[p], shape: [A.units, B.units] };
          arrays[`miller-madow.${A.name}.${B.name}`] = { data: tiled.results.millerMadow[p], shape: [A.units, B.units] };
        });
      } else if (plan.counting === 'columns') {
        if (!columns) await startColumns();
        const results = await countColumns(columns!);
        pairs.forEach(([a, b], p) => {
          const [A, B] = [layer.nets[a], layer.nets[b]];
          arrays[`mi.${A.name}.${B.name}`] = { data: results.mi[p], shape: [A.units, B.units] };
          arrays[`miller-madow.${A.name}.${B.name}`] = { data: results.millerMadow[p], shape: [A.units, B.units] };
        });
      } else {
        const joint = (await counts()) ?? pairs.map(([a, b]) => new Float64Array(layer.nets[a].units * layer.nets[b].units * s.bins * s.bins));
        pairs.forEach(([a, b], p) => {
          arrays[`joint.${layer.nets[a].name}.${layer.nets[b].name}`] = { data: joint[p], shape: [layer.nets[a].units, layer.nets[b].units, s.bins, s.bins] };
        });
      }
      const json: MiHistogramsJson = {
        binning: s.binning,
        bins: s.bins,
        zeroThreshold: s.zeroThreshold,
        reservoir: s.reservoir,
        seed: s.seed,
        samples: layer.samples,
        nets: layer.nets.map((n, k) => ({ name: n.name, units: n.units, exactEdges: exact[k], ...(raises ? { li2016Raises: raises[k] } : {}) })),
        pairs,
        kernel: kernelNames().join(' + ') || 'none (no samples counted)',
        quantiles:
          s.binning === 'li2016'
            ? "edges (li2016, the paper's percentile_bins): np.percentile (linear) at linspace(100.1 f, 100, bins)[0 .. bins-2], f the fraction of values below 1e-6, of the values below 1e-6 (their count and largest) and a per-unit reservoir sample of the m values at or above it (exact when m <= reservoir); a value's bin is the number of edges <= it (np.histogram2d); li2016Raises: units where np.percentile raises (f > 100 / 100.1), edges at the maximum, no MI"
            : 'edges: [zero-threshold, order statistics ceil(m k / (bins - 1)), k = 1 .. bins-2, of a per-unit reservoir sample of the m values above the threshold (exact when m <= reservoir)]',
        ...(tiled ? { tiled: { tiles: plan.tiles!.length, maxMemoryMb: s.maxMemoryMb, arrays: 'information' as const } } : {}),
        ...(plan.counting === 'columns' ? { columns: { samples: columns!.filled, maxMemoryMb: s.maxMemoryMb, arrays: 'information' as const } } : {}),
      };
      return { arrays, json };
    },
    async dispose() {
      await kernel?.dispose();
      kernel = null;
      columns?.dispose();
      columns = null;
      reservoirs = null;
      counted = null;
    },
  };
}

const COUNTED: Record<MiCounting, string> = { whole: 'whole', columns: 'from binned columns', tiles: 'in tiles' };

/** Refuses a saved counting state made by another plan than this probe's (null: nothing counted yet, any plan takes it). */
function checkSavedCounting(layer: ReducerLayer, s: MiHistogramSettings, plan: MiTilePlan, saved: MiCounting | null): void {
  if (saved === null || saved === plan.counting) return;
  throw new Error(
    `${MI_HISTOGRAMS}, layer ${layer.layer}: the saved state was counted ${COUNTED[saved]}, this probe counts the layer ${COUNTED[plan.counting]} ` +
      `(${layer.samples} samples, --${MI_HISTOGRAMS}.max-memory-mb ${s.maxMemoryMb}); give the limit the state was made with` +
      (saved === 'columns' ? `, or one that holds the binned columns of all ${layer.samples} samples (a merge of sharded parts joins every part's columns)` : ''),
  );
}

export const miHistogramsReducer: Reducer = {
  name: MI_HISTOGRAMS,
  description: "bin edges (a zero bin, then equal-mass percentile bins; or the paper's own, binning li2016) and joint histograms of every between-net pair of units, for mutual information (method mi); two passes (when the counters exceed max-memory-mb, the second keeps each sample's bins and the pairs are reduced to MI at the end), one more per tile of unit pairs when even those do not fit",
  passes: 2,
  options: {
    binning: {
      type: 'string',
      default: 'default',
      describe: "default: a zero bin (values <= zero-threshold) and equal-mass bins of the rest; li2016: the paper's released code (zero bin to the percentile 100.1 x the fraction below 1e-6, np.percentile edges; units below 1e-6 on more than 99.9% of samples, where that code fails, get no MI)",
    },
    bins: { type: 'number', default: 10, describe: 'bins per unit: a zero bin and bins-1 equal-mass percentile bins of the values above the threshold (2..64)' },
    'zero-threshold': { type: 'number', default: 0, describe: 'values at or below it go to the zero bin (a ReLU that is off)' },
    reservoir: { type: 'number', default: 65536, describe: 'values kept per unit to place the percentile edges (exact while a unit has no more values above the threshold)' },
    seed: { type: 'number', default: 0, describe: 'seed of the reservoir samples' },
    counting: {
      type: 'string',
      default: 'auto',
      describe:
        "how a layer's unit pairs are counted: auto (the first of the next three that fits max-memory-mb), whole (the joint histograms written out), columns (one pass keeping every unit's bin of every sample, one byte each, the pairs counted and reduced to MI at the end) or tiles (one more pass over the layer per tile of unit pairs); a choice that does not fit is refused",
    },
    'max-memory-mb': {
      type: 'number',
      default: 2048,
      describe: "memory for a layer's histograms and reservoirs; a layer that needs more is counted from its binned columns (a byte per unit and sample, the pairs reduced to MI at the end), or where those do not fit either in tiles of unit pairs, one more pass over the layer per tile (the same MI either way); refused when one unit pair's counters do not fit",
    },
  },
  passesFor(layer) {
    const plan = planMiTiles(layer, miHistogramSettings(layer.options));
    return 1 + (plan.tiles?.length ?? 1);
  },
  validate(layer) {
    planMiTiles(layer, miHistogramSettings(layer.options));
  },
  create(layer): ReducerState {
    const s = miHistogramSettings(layer.options);
    const plan = planMiTiles(layer, s);
    if (plan.counting !== 'whole') layer.log?.(describeMiPlan(layer, s, plan));
    const capacity = Math.max(1, Math.min(s.reservoir, layer.samples));
    const reservoirs = layer.nets.map((n, k) => NetReservoir.create(n.units, capacity, s.seed, k).arrays());
    const li2016 = s.binning === 'li2016' ? { zeros: layer.nets.map((n) => createZeroArrays(n.units)), float64: false } : undefined;
    return miState(layer, s, plan, { pass: 0, reservoirs, ...(li2016 ? { li2016 } : {}) });
  },
  restore(layer, snapshot): ReducerState {
    const s = miHistogramSettings(layer.options);
    return miState(layer, s, planMiTiles(layer, s), decodeMiSnapshot(layer, s, snapshot, 'the saved state'));
  },
  merge(layer, a, b): ReducerSnapshot {
    return mergeMiSnapshots(layer, miHistogramSettings(layer.options), a, b);
  },
};
