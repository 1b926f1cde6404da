// The `mi-histograms` reducer's saved state (checkpoints, and the parts of a sharded probe), and
// the merge of two parts' states. snapshot.json says the pass and the settings the output depends
// on (binning, bins, zero threshold, reservoir, seed) and the nets; a state of other settings, nets
// or pass is refused, naming both values (a state saved before the binning option existed is of
// the default binning).
//
//  pass 0  per net: `reservoir.<net>` (units x capacity, the file's precision), `seen.<net>`
//          (values above the threshold per unit) and, until merged, algorithm L's state
//          `next.<net>`, `w.<net>` and `rng.<net>` (src/probe/reducers/mi-reservoir.ts).
//          Binning li2016 adds `below.<net>` and `below-max.<net>` (the values below 1e-6 per unit:
//          their count and largest value) and json `li2016Float64` (the layer had float64
//          activations: numpy's arithmetic in float64, see mi-li2016.ts).
//  pass 1  per net: `edges.<net>` and `above.<net>` (as in result.json), per pair of nets
//          `joint.<a>.<b>`: the float64 counts so far, left out before the first pass-1 batch
//          (json `counted: false`: the merged edges handed to the shards of pass 1 carry no
//          arrays of zeros). json: exactEdges per net, the kernels; li2016: `li2016Raises`, per
//          net the units on which the paper's code raises.
//  pass 1, a layer counted from binned columns (mi-columns.ts): as pass 1, but instead of counts,
//          per net `columns.<net>`: the bins of the samples so far, [units, filled] unit-major, one
//          byte each, packed four to a u32 (zero-padded); json `columns`: { filled } (left out
//          before the first batch, like the counts).
//  pass 1 + t, a layer counted in tiles (mi-tiles.ts), tile t: as pass 1, but the counts are
//          those of tile t's segments (`tile.<i>`, [rows, columns, bins, bins]), and per pair
//          of nets the results of tiles 0 .. t-1 (`mi.<a>.<b>` float64, NaN where not yet
//          counted, and `miller-madow.<a>.<b>`, float64); json `tiled`: the tile, the number of
//          tiles and the max-memory-mb they were planned for (a state of another plan is refused).
//
// Merge: pass 0 merges the reservoirs (exact while a unit has at most `reservoir` values above the
// threshold, else a uniform sample of the union: see mi-reservoir.ts); pass 1 adds the counts of
// parts that counted with the same edges (parts of stage 2 of a sharded probe all start from the
// one merged pass-0 state), and refuses parts whose edges differ, naming the layer, net and unit.
// Columns of parts with the same edges are joined (a's samples, then b's: the counts do not depend
// on the order). A tiled state is refused: tiled counting does not run sharded (the probe refuses
// --shard first).
import type { ReducerLayer, ReducerSnapshot } from './types.js';
import { MI_HISTOGRAMS, layerPairs, type MiHistogramSettings } from './mi-settings.js';
import { checkReservoirArrays, mergeReservoirs, type ReservoirArrays } from './mi-reservoir.js';
import { checkZeroArrays, mergeZeroArrays, type ZeroArrays } from './mi-li2016.js';
import { tileLayer } from './mi-tiles.js';
import type { MiResults } from './mi-tiled-counts.js';
import type { SavedColumns } from './mi-columns.js';

/** The settings a saved state must share with the probe restoring or merging it. */
const SAVED_SETTINGS = ['binning', 'bins', 'zeroThreshold', 'reservoir', 'seed'] as const;

/** A saved setting; a state saved before `binning` existed is of the default binning. */
function savedSetting(settings: Record<string, unknown> | undefined, key: (typeof SAVED_SETTINGS)[number]): unknown {
  const value = settings?.[key];
  return key === 'binning' && value === undefined ? 'default' : value;
}

/** Binning li2016's pass-0 state besides the reservoirs (mi-li2016.ts). */
export interface Li2016Pass0 {
  /** Per net, the values below 1e-6 per unit. */
  zeros: ZeroArrays[];
  /** Some net's activations were float64 (numpy would then compute in float64). */
  float64: boolean;
}

export interface MiPass0 {
  pass: 0;
  reservoirs: ReservoirArrays[];
  /** Binning li2016 only. */
  li2016?: Li2016Pass0;
}

export interface MiPass1 {
  pass: 1;
  edges: Float64Array[];
  above: Float64Array[];
  exact: number[];
  /** Per pair of nets (layerPairs order), the counts so far; null before any sample was counted. */
  counts: Float64Array[] | null;
  /** The joint histogram kernels that counted them (e.g. 'wasm-simd (1 thread)'). */
  kernels: string[];
  /** Binning li2016 only: per net, the units on which the paper's code raises. */
  raises?: number[][];
  /** A layer counted in tiles: the tile being counted (`counts` are its segments') and the results of the tiles before it. */
  tiled?: { tile: number; tiles: number; results: MiResults };
  /** A layer counted from binned columns (`counts` null): the bins so far, null before the first batch. */
  columns?: SavedColumns | null;
}

/** Bytes packed four to a u32 (zero-padded), as snapshots keep them; a view where the bytes are aligned. */
function packBytes(bytes: Uint8Array): Uint32Array {
  if (bytes.byteOffset % 4 === 0 && bytes.length % 4 === 0) return new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  const words = new Uint32Array(Math.ceil(bytes.length / 4));
  new Uint8Array(words.buffer).set(bytes);
  return words;
}

type Nets = ReducerLayer['nets'];
type Arrays = ReducerSnapshot['arrays'];

/** The snapshot of a state in pass 0 or 1 (views of its arrays, no copies). */
export function encodeMiSnapshot(nets: Nets, s: MiHistogramSettings, state: MiPass0 | MiPass1): ReducerSnapshot {
  const arrays: Arrays = {};
  const json: Record<string, unknown> = {
    reducer: MI_HISTOGRAMS,
    pass: state.pass,
    settings: Object.fromEntries(SAVED_SETTINGS.map((key) => [key, s[key]])),
    nets: nets.map((n) => ({ name: n.name, units: n.units })),
  };
  if (state.pass === 0) {
    json.capacity = state.reservoirs.map((r) => r.capacity);
    json.merged = state.reservoirs.some((r) => !r.sampler);
    nets.forEach((n, k) => {
      const r = state.reservoirs[k];
      if (r.values) arrays[`reservoir.${n.name}`] = { data: r.values, shape: [n.units, r.capacity] };
      arrays[`seen.${n.name}`] = { data: r.seen, shape: [n.units] };
      if (r.sampler) {
        arrays[`next.${n.name}`] = { data: r.sampler.next, shape: [n.units] };
        arrays[`w.${n.name}`] = { data: r.sampler.w, shape: [n.units] };
        arrays[`rng.${n.name}`] = { data: r.sampler.rng, shape: [n.units] };
      }
      const zeros = state.li2016?.zeros[k];
      if (zeros) {
        arrays[`below.${n.name}`] = { data: zeros.below, shape: [n.units] };
        arrays[`below-max.${n.name}`] = { data: zeros.belowMax, shape: [n.units] };
      }
    });
    if (state.li2016) json.li2016Float64 = state.li2016.float64;
  } else {
    if (state.tiled) {
      json.pass = 1 + state.tiled.tile;
      json.tiled = { tile: state.tiled.tile, tiles: state.tiled.tiles, maxMemoryMb: s.maxMemoryMb };
      const { mi, millerMadow } = state.tiled.results;
      layerPairs(nets.length).forEach(([a, b], p) => {
        arrays[`mi.${nets[a].name}.${nets[b].name}`] = { data: mi[p], shape: [nets[a].units, nets[b].units] };
        arrays[`miller-madow.${nets[a].name}.${nets[b].name}`] = { data: millerMadow[p], shape: [nets[a].units, nets[b].units] };
      });
    }
    if (state.raises) json.li2016Raises = state.raises;
    if (state.columns) {
      json.columns = { filled: state.columns.filled };
      nets.forEach((n, k) => (arrays[`columns.${n.name}`] = { data: packBytes(state.columns!.bins[k]), shape: [Math.ceil((n.units * state.columns!.filled) / 4)] }));
    }
    json.exactEdges = state.exact;
    json.kernels = state.kernels;
    json.counted = state.counts !== null;
    nets.forEach((n, k) => {
      arrays[`edges.${n.name}`] = { data: state.edges[k], shape: [n.units, s.bins - 1] };
      arrays[`above.${n.name}`] = { data: state.above[k], shape: [n.units] };
    });
    const counts = state.counts;
    if (counts && state.tiled) counts.forEach((c, i) => (arrays[`tile.${i}`] = { data: c, shape: [c.length] }));
    else if (counts) {
      layerPairs(nets.length).forEach(([a, b], p) => {
        arrays[`joint.${nets[a].name}.${nets[b].name}`] = { data: counts[p], shape: [nets[a].units, nets[b].units, s.bins, s.bins] };
      });
    }
  }
  return { arrays, json };
}

/**
 * The state saved in `snapshot`, checked against the layer's nets and `s` (the settings of the
 * probe restoring it); `what` names the snapshot in messages. The arrays are taken over.
 */
export function decodeMiSnapshot(layer: Pick<ReducerLayer, 'layer' | 'nets'>, s: MiHistogramSettings, snapshot: ReducerSnapshot, what: string): MiPass0 | MiPass1 {
  const { json } = snapshot;
  const where = `${MI_HISTOGRAMS}, layer ${layer.layer}: ${what}`;
  if (json.reducer !== MI_HISTOGRAMS) throw new Error(`${where} is a state of reducer ${String(json.reducer)}, not ${MI_HISTOGRAMS}`);
  const saved = json.settings as Record<string, unknown> | undefined;
  for (const key of SAVED_SETTINGS) {
    if (savedSetting(saved, key) !== s[key]) throw new Error(`${where} was made with ${optionName(key)} ${String(savedSetting(saved, key))}, this probe uses ${s[key]}`);
  }
  const savedNets = json.nets as Nets | undefined;
  const describe = (nets: Nets | undefined) => (nets ?? []).map((n) => `${n.name} (${n.units} units)`).join(', ');
  if (describe(savedNets) !== describe(layer.nets)) throw new Error(`${where} holds nets ${describe(savedNets)}, this layer has ${describe(layer.nets)}`);
  const array = <T extends Arrays[string]['data']>(key: string, type: new (n: number) => T, length: number): T => {
    const found = snapshot.arrays[key];
    if (!found) throw new Error(`${where} has no array ${key}`);
    if (!(found.data instanceof type) || found.data.length !== length) {
      throw new Error(`${where}: array ${key} holds ${found.data.length} ${found.data.constructor.name} values, expected ${length} ${type.name}`);
    }
    return found.data as T;
  };
  if (json.pass === 0) {
    const capacity = json.capacity as number[] | undefined;
    const li2016 = (): Li2016Pass0 => ({
      zeros: layer.nets.map((n) => {
        const z = { below: array(`below.${n.name}`, Float64Array, n.units), belowMax: array(`below-max.${n.name}`, Float64Array, n.units) };
        checkZeroArrays(n.units, z, `${where}, net ${n.name}`);
        return z;
      }),
      float64: json.li2016Float64 === true,
    });
    return {
      pass: 0,
      ...(s.binning === 'li2016' ? { li2016: li2016() } : {}),
      reservoirs: layer.nets.map((n, k) => {
        const cap = capacity?.[k] ?? 0;
        const values = snapshot.arrays[`reservoir.${n.name}`]?.data ?? null;
        if (values && !(values instanceof Float32Array || values instanceof Float64Array)) throw new Error(`${where}: array reservoir.${n.name} is not float32 or float64`);
        const sampled = json.merged !== true;
        const r: ReservoirArrays = {
          values,
          capacity: cap,
          seen: array(`seen.${n.name}`, Float64Array, n.units),
          sampler: sampled ? { next: array(`next.${n.name}`, Float64Array, n.units), w: array(`w.${n.name}`, Float64Array, n.units), rng: array(`rng.${n.name}`, Uint32Array, n.units) } : null,
        };
        checkReservoirArrays(n.units, r, `${where}, net ${n.name}`);
        return r;
      }),
    };
  }
  const tiled = json.tiled as { tile: number; tiles: number; maxMemoryMb: number } | undefined;
  if (json.pass === 1 || tiled) {
    const exact = json.exactEdges as number[] | undefined;
    if (!Array.isArray(exact) || exact.length !== layer.nets.length) throw new Error(`${where} has no exactEdges per net`);
    if (tiled) return decodeTiled(layer, s, snapshot, tiled, where, array);
    return {
      pass: 1,
      edges: layer.nets.map((n) => array(`edges.${n.name}`, Float64Array, n.units * (s.bins - 1))),
      above: layer.nets.map((n) => array(`above.${n.name}`, Float64Array, n.units)),
      exact,
      counts:
        json.counted === false
          ? null
          : layerPairs(layer.nets.length).map(([a, b]) => {
              const [A, B] = [layer.nets[a], layer.nets[b]];
              return array(`joint.${A.name}.${B.name}`, Float64Array, A.units * B.units * s.bins * s.bins);
            }),
      kernels: Array.isArray(json.kernels) ? (json.kernels as string[]) : [],
      ...(s.binning === 'li2016' ? { raises: li2016Raises(json.li2016Raises, layer.nets, where) } : {}),
      ...(json.columns !== undefined ? { columns: decodeColumns(layer, json.columns, where, array) } : {}),
    };
  }
  throw new Error(`${where} is in pass ${String(json.pass)}; ${MI_HISTOGRAMS} has passes 0 (edges) and 1 (counts)`);
}

type ArrayOf = <T extends Arrays[string]['data']>(key: string, type: new (n: number) => T, length: number) => T;

/** The saved bins of a layer counted from binned columns (see the file's header), checked. */
function decodeColumns(layer: Pick<ReducerLayer, 'nets'>, saved: unknown, where: string, array: ArrayOf): SavedColumns {
  const filled = (saved as { filled?: unknown } | null)?.filled;
  if (!(typeof filled === 'number' && Number.isSafeInteger(filled) && filled >= 0)) throw new Error(`${where} has no count of the samples in its binned columns (columns.filled)`);
  return {
    filled,
    bins: layer.nets.map((n) => {
      const words = array(`columns.${n.name}`, Uint32Array, Math.ceil((n.units * filled) / 4));
      return new Uint8Array(words.buffer, words.byteOffset, n.units * filled);
    }),
  };
}

/** Bins [units, fa] of a's samples then [units, fb] of b's, as [units, fa + fb]. */
function joinColumns(units: number, a: Uint8Array, fa: number, b: Uint8Array, fb: number): Uint8Array {
  const out = new Uint8Array(units * (fa + fb));
  for (let u = 0; u < units; u++) {
    out.set(a.subarray(u * fa, (u + 1) * fa), u * (fa + fb));
    out.set(b.subarray(u * fb, (u + 1) * fb), u * (fa + fb) + fa);
  }
  return out;
}

/** A pass-1+t state of a layer counted in tiles (see the file's header), checked against this probe's plan. */
function decodeTiled(layer: Pick<ReducerLayer, 'layer' | 'nets'>, s: MiHistogramSettings, snapshot: ReducerSnapshot, tiled: { tile: number; tiles: number; maxMemoryMb: number }, where: string, array: ArrayOf): MiPass1 {
  const { json } = snapshot;
  if (tiled.maxMemoryMb !== s.maxMemoryMb) throw new Error(`${where} was counted in tiles planned for max-memory-mb ${tiled.maxMemoryMb}, this probe uses ${s.maxMemoryMb}; give --${MI_HISTOGRAMS}.max-memory-mb ${tiled.maxMemoryMb} (--mi.max-memory-mb with \`convergent run\`)`);
  const { tiles } = tileLayer(layer, s);
  if (tiled.tiles !== tiles.length || !(Number.isInteger(tiled.tile) && tiled.tile >= 0 && tiled.tile < tiles.length) || json.pass !== 1 + tiled.tile) {
    throw new Error(`${where} is at tile ${tiled.tile} of ${tiled.tiles} (pass ${String(json.pass)}), which does not fit this probe's ${tiles.length} tiles`);
  }
  const pairs = layerPairs(layer.nets.length);
  const cells = s.bins * s.bins;
  const size = (n: number) => pairs.map(([a, b]) => layer.nets[a].units * layer.nets[b].units)[n];
  return {
    pass: 1,
    edges: layer.nets.map((n) => array(`edges.${n.name}`, Float64Array, n.units * (s.bins - 1))),
    above: layer.nets.map((n) => array(`above.${n.name}`, Float64Array, n.units)),
    exact: json.exactEdges as number[],
    counts: json.counted === false ? null : tiles[tiled.tile].map((g, i) => array(`tile.${i}`, Float64Array, (g.a1 - g.a0) * (g.b1 - g.b0) * cells)),
    kernels: Array.isArray(json.kernels) ? (json.kernels as string[]) : [],
    ...(s.binning === 'li2016' ? { raises: li2016Raises(json.li2016Raises, layer.nets, where) } : {}),
    tiled: {
      tile: tiled.tile,
      tiles: tiles.length,
      results: {
        mi: pairs.map(([a, b], p) => array(`mi.${layer.nets[a].name}.${layer.nets[b].name}`, Float64Array, size(p))),
        millerMadow: pairs.map(([a, b], p) => array(`miller-madow.${layer.nets[a].name}.${layer.nets[b].name}`, Float64Array, size(p))),
      },
    },
  };
}

/**
 * The state after a's items then b's (both at the end of the same pass; see the file's header).
 * Pass 1 adds b's counts into a's arrays; b is left unchanged.
 */
export function mergeMiSnapshots(layer: Pick<ReducerLayer, 'layer' | 'nets'>, s: MiHistogramSettings, a: ReducerSnapshot, b: ReducerSnapshot): ReducerSnapshot {
  const where = `${MI_HISTOGRAMS}, layer ${layer.layer}`;
  // Name the first difference between the parts themselves before checking them against the probe.
  const settingsOf = (j: Record<string, unknown>) => (j.settings ?? {}) as Record<string, unknown>;
  for (const key of SAVED_SETTINGS) {
    const [x, y] = [savedSetting(settingsOf(a.json), key), savedSetting(settingsOf(b.json), key)];
    if (x !== y) throw new Error(`${where}: cannot merge the state of ${optionName(key)} ${String(x)} with one of ${optionName(key)} ${String(y)}`);
  }
  if (a.json.tiled || b.json.tiled) {
    throw new Error(`${where}: a state counted in tiles (the layer's counters exceed max-memory-mb) cannot be merged: tiled counting does not run sharded (--shard); probe the layer without --shard, or raise --${MI_HISTOGRAMS}.max-memory-mb so that it is counted whole`);
  }
  if (a.json.pass !== b.json.pass) throw new Error(`${where}: cannot merge a state in pass ${String(a.json.pass)} with one in pass ${String(b.json.pass)} (parts merge at the end of the same pass)`);
  const first = decodeMiSnapshot(layer, s, a, 'the first state');
  const second = decodeMiSnapshot(layer, s, b, 'the second state');
  if (first.pass === 0 && second.pass === 0) {
    const reservoirs = first.reservoirs.map((r, k) => mergeReservoirs(r, second.reservoirs[k], s.reservoir, s.seed, k, `${where}, net ${layer.nets[k].name}`));
    const [la, lb] = [first.li2016, second.li2016];
    const li2016 = la && lb ? { zeros: la.zeros.map((z, k) => mergeZeroArrays(z, lb.zeros[k])), float64: la.float64 || lb.float64 } : undefined;
    return encodeMiSnapshot(layer.nets, s, { pass: 0, reservoirs, ...(li2016 ? { li2016 } : {}) });
  }
  if (first.pass !== 1 || second.pass !== 1) throw new Error(`${where}: cannot merge a state in pass ${first.pass} with one in pass ${second.pass}`);
  const ne = s.bins - 1;
  layer.nets.forEach((n, k) => {
    const [ea, eb] = [first.edges[k], second.edges[k]];
    for (let i = 0; i < ea.length; i++) {
      if (!Object.is(ea[i], eb[i])) {
        const unit = Math.floor(i / ne);
        throw new Error(
          `${where}, net ${n.name}, unit ${unit}: the parts counted with different bin edges (edge ${i % ne}: ${ea[i]} and ${eb[i]}); ` +
            'the parts of pass 1 must all start from the one merged pass-0 state (probe --next-pass RUN)',
        );
      }
    }
    const [xa, xb] = [first.above[k], second.above[k]];
    for (let u = 0; u < n.units; u++) {
      if (xa[u] !== xb[u]) throw new Error(`${where}, net ${n.name}, unit ${u}: the parts' edges come from different pass-0 states (${xa[u]} and ${xb[u]} values above the threshold)`);
    }
  });
  // Into a's arrays: merging N parts holds two sets of counts, not three (a copy of b's when a
  // counted nothing, so that later merges into the result leave b unchanged).
  const [countsA, countsB] = [first.counts, second.counts];
  const counts = !countsA || !countsB ? (countsA ?? countsB?.map((c) => c.slice()) ?? null) : countsA;
  if (countsA && countsB) {
    countsA.forEach((c, p) => {
      const add = countsB[p];
      for (let i = 0; i < c.length; i++) c[i] += add[i];
    });
  }
  const kernels = [...new Set([...first.kernels, ...second.kernels])];
  const columns = mergeColumns(layer, first, second, counts !== null, where);
  return encodeMiSnapshot(layer.nets, s, { pass: 1, edges: first.edges, above: first.above, exact: first.exact, counts, kernels, ...(first.raises ? { raises: first.raises } : {}), ...(columns ? { columns } : {}) });
}

/** The parts' binned columns joined (null when neither part counts from columns); refused beside joint counts. */
function mergeColumns(layer: Pick<ReducerLayer, 'nets'>, first: MiPass1, second: MiPass1, counted: boolean, where: string): SavedColumns | null {
  if (first.columns === undefined && second.columns === undefined) return null;
  if (counted) throw new Error(`${where}: cannot merge a state counted from binned columns with one that counted joint histograms (the parts were planned with different --${MI_HISTOGRAMS}.max-memory-mb)`);
  const [a, b] = [first.columns ?? null, second.columns ?? null];
  if (!a || !b) return a ?? (b ? { filled: b.filled, bins: b.bins.map((x) => x.slice()) } : null);
  return { filled: a.filled + b.filled, bins: layer.nets.map((n, k) => joinColumns(n.units, a.bins[k], a.filled, b.bins[k], b.filled)) };
}

/** The saved per-net lists of units the paper's code raises on, checked. */
function li2016Raises(saved: unknown, nets: Nets, where: string): number[][] {
  const ok = Array.isArray(saved) && saved.length === nets.length && saved.every((list, k) => Array.isArray(list) && list.every((u) => Number.isInteger(u) && u >= 0 && u < nets[k].units));
  if (!ok) throw new Error(`${where} has no valid li2016Raises (per net, the units the paper's code raises on)`);
  return saved as number[][];
}

/** The option's name on the command line (`--mi-histograms.<name>`). */
function optionName(key: (typeof SAVED_SETTINGS)[number]): string {
  return key === 'zeroThreshold' ? 'zero-threshold' : key;
}
