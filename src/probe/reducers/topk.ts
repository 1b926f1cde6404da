// Top-k activations per unit, for the report's image patches: for every unit, the k items
// (images) that excite it most, each with the position of its strongest response. An item counts
// once per unit (its maximum over positions), so the k patches come from k different images.
// State is units x k, whatever the number of images.
//
// A unit fires on an item when its maximum over positions is above 0 (a ReLU that is on). Only
// such items enter the top-k: a unit that fires on fewer than k items keeps empty slots (item -1),
// never filler items at value 0 that would be drawn as if they were its best. The reducer also
// counts, per unit, the items it fires on (`activeItems`): the rare-unit rule of align
// (src/align/rare-units.ts) leaves out units that fire on too few images to be matched.
//
// Checkpoints and shards. The state is exactly its TopKRecord (the kept lists, the positions, the
// active counts, the items seen; the per-unit floor is the last kept value), so `snapshot()` is
// the record and `TopKUnits.restore` continues from it exactly. Parts over contiguous item ranges
// merge with `mergeTopKRecords`, from the records in their files, into the record of one run over
// all the items (same tie rule: on equal values the earlier item stays ahead).

export interface TopKRecord {
  /** units x k, best first; -Infinity in empty slots (the unit fired on fewer than k items). */
  values: Float32Array;
  /** units x k source item indices (-1 in empty slots). */
  items: Int32Array;
  /** units x k positions (row, column) of the maximum within the item's map (-1 in empty slots). */
  ys: Int32Array;
  xs: Int32Array;
  /** Per unit, the items it fired on (maximum over positions > 0). */
  activeItems: Int32Array;
  /** Items seen in all. */
  itemsSeen: number;
}

export class TopKUnits {
  private readonly values: Float32Array;
  private readonly items: Int32Array;
  private readonly pos: Int32Array;
  /** Per unit, the smallest value kept (the threshold a new item must beat once full). */
  private readonly floor: Float32Array;
  private readonly active: Int32Array;
  private seen = 0;

  constructor(
    readonly units: number,
    readonly k: number,
    /** Spatial map of one item: height x width positions (1 x 1 for dense layers). */
    readonly height: number,
    readonly width: number,
  ) {
    this.values = new Float32Array(units * k).fill(-Infinity);
    this.items = new Int32Array(units * k).fill(-1);
    this.pos = new Int32Array(units * k).fill(-1);
    this.floor = new Float32Array(units).fill(-Infinity);
    this.active = new Int32Array(units);
  }

  /**
   * Adds a batch captured batch-first: data[(i * units + u) * positions + p] for item i, with
   * `indices[i]` its index in the data source.
   */
  add(data: Float32Array, indices: Int32Array): void {
    const positions = this.height * this.width;
    const n = indices.length;
    if (data.length !== n * this.units * positions) {
      throw new Error(`top-k: batch of ${data.length} values for ${n} items x ${this.units} units x ${positions} positions`);
    }
    const best = planeMaxima(data, n * this.units, positions);
    this.addMaxima(best.values, best.positions, indices, 'item-major');
  }

  /**
   * Adds a batch already reduced per item and unit (e.g. on the GPU by
   * shaders/forward_item_max.wgsl): the item's maximum over positions and the first position
   * holding it, at [i * units + u] ('item-major') or [u * n + i] ('unit-major').
   */
  addMaxima(values: Float32Array, positions: Uint32Array | Int32Array, indices: Int32Array, layout: 'item-major' | 'unit-major'): void {
    const { units, k } = this;
    const n = indices.length;
    if (values.length !== n * units || positions.length !== n * units) {
      throw new Error(`top-k: maxima of ${values.length} values and ${positions.length} positions for ${n} items x ${units} units`);
    }
    const [itemStride, unitStride] = layout === 'item-major' ? [units, 1] : [1, n];
    const mapSize = this.height * this.width;
    for (let i = 0; i < n; i++) {
      for (let u = 0; u < units; u++) {
        const best = values[i * itemStride + u * unitStride];
        const at = positions[i * itemStride + u * unitStride];
        if (!(at < mapSize)) throw new Error(`top-k: unit ${u} of item ${indices[i]} has its maximum at position ${at}, outside the ${this.height} x ${this.width} map`);
        // Not firing (or NaN): neither counted nor a candidate patch.
        if (!(best > 0)) continue;
        this.active[u]++;
        if (!(best > this.floor[u]) && this.items[u * k + k - 1] !== -1) continue;
        this.insert(u, best, indices[i], at);
      }
    }
    this.seen += n;
  }

  /** Insertion into the unit's sorted list (k is small: 9 by default). Ties keep the earlier item. */
  private insert(u: number, value: number, item: number, at: number): void {
    const { k } = this;
    const row = u * k;
    let j = k - 1;
    if (this.items[row + j] !== -1 && !(value > this.values[row + j])) return;
    while (j > 0 && (this.items[row + j - 1] === -1 || value > this.values[row + j - 1])) {
      this.values[row + j] = this.values[row + j - 1];
      this.items[row + j] = this.items[row + j - 1];
      this.pos[row + j] = this.pos[row + j - 1];
      j--;
    }
    this.values[row + j] = value;
    this.items[row + j] = item;
    this.pos[row + j] = at;
    this.floor[u] = this.values[row + k - 1];
  }

  /** The whole state (a copy), at a batch boundary: `TopKUnits.restore` continues from it exactly. */
  snapshot(): TopKRecord {
    return this.result();
  }

  /** A tracker continuing from `record` (a snapshot, a merge, or a part's files) with k slots per unit. */
  static restore(record: TopKRecord, k: number, height: number, width: number): TopKUnits {
    const units = record.activeItems.length;
    checkTopKRecord(record, k, 'top-k restore');
    const top = new TopKUnits(units, k, height, width);
    top.values.set(record.values);
    top.items.set(record.items);
    top.active.set(record.activeItems);
    top.seen = record.itemsSeen;
    for (let i = 0; i < units * k; i++) {
      if (record.items[i] === -1) continue;
      const [y, x] = [record.ys[i], record.xs[i]];
      if (!(y < height && x < width)) throw new Error(`top-k restore: unit ${Math.floor(i / k)} keeps position (${y}, ${x}), outside the ${height} x ${width} map`);
      top.pos[i] = y * width + x;
    }
    for (let u = 0; u < units; u++) top.floor[u] = top.values[u * k + k - 1];
    return top;
  }

  result(): TopKRecord {
    const ys = new Int32Array(this.pos.length);
    const xs = new Int32Array(this.pos.length);
    this.pos.forEach((p, i) => {
      ys[i] = p < 0 ? -1 : Math.floor(p / this.width);
      xs[i] = p < 0 ? -1 : p % this.width;
    });
    return { values: this.values.slice(), items: this.items.slice(), ys, xs, activeItems: this.active.slice(), itemsSeen: this.seen };
  }
}

/**
 * The record one TopKUnits would give fed a's items, then b's (disjoint item ranges, a's first;
 * item indices are global source indices): per unit, the k best of both lists, a's ahead of b's
 * on equal values (a single run keeps the earlier item on ties), empty slots last; the active
 * counts and items seen add up. Exact, since every item of the k best overall is among the k best
 * of its own part. An item kept by both parts for one unit (overlapping ranges) is refused.
 */
export function mergeTopKRecords(a: TopKRecord, b: TopKRecord, k: number): TopKRecord {
  checkTopKRecord(a, k, 'top-k merge: the first part');
  checkTopKRecord(b, k, 'top-k merge: the second part');
  const units = a.activeItems.length;
  if (b.activeItems.length !== units) throw new Error(`top-k merge: the first part has ${units} units, the second ${b.activeItems.length}`);
  const out: TopKRecord = {
    values: new Float32Array(units * k).fill(-Infinity),
    items: new Int32Array(units * k).fill(-1),
    ys: new Int32Array(units * k).fill(-1),
    xs: new Int32Array(units * k).fill(-1),
    activeItems: new Int32Array(units),
    itemsSeen: a.itemsSeen + b.itemsSeen,
  };
  const take = (from: TopKRecord, i: number, to: number) => {
    out.values[to] = from.values[i];
    out.items[to] = from.items[i];
    out.ys[to] = from.ys[i];
    out.xs[to] = from.xs[i];
  };
  for (let u = 0; u < units; u++) {
    const row = u * k;
    out.activeItems[u] = a.activeItems[u] + b.activeItems[u];
    for (let i = row; i < row + k && a.items[i] !== -1; i++) {
      for (let j = row; j < row + k && b.items[j] !== -1; j++) {
        if (a.items[i] === b.items[j]) throw new Error(`top-k merge: unit ${u} keeps item ${a.items[i]} in both parts (their item ranges overlap)`);
      }
    }
    let i = row;
    let j = row;
    for (let slot = row; slot < row + k; slot++) {
      const aLeft = i < row + k && a.items[i] !== -1;
      const bLeft = j < row + k && b.items[j] !== -1;
      if (aLeft && (!bLeft || !(b.values[j] > a.values[i]))) take(a, i++, slot);
      else if (bLeft) take(b, j++, slot);
      else break;
    }
  }
  return out;
}

/** Refuses a record that is not a top-k state of k slots per unit (lengths, order, empty slots). */
function checkTopKRecord(r: TopKRecord, k: number, what: string): void {
  const units = r.activeItems.length;
  if (!(Number.isInteger(k) && k >= 1)) throw new Error(`${what}: k must be a positive integer, got ${k}`);
  for (const [name, array] of [['values', r.values], ['items', r.items], ['ys', r.ys], ['xs', r.xs]] as const) {
    if (array.length !== units * k) throw new Error(`${what}: ${name} holds ${array.length} slots, expected ${units} units x ${k}`);
  }
  if (!(Number.isSafeInteger(r.itemsSeen) && r.itemsSeen >= 0)) throw new Error(`${what}: items seen must be a count, got ${r.itemsSeen}`);
  for (let u = 0; u < units; u++) {
    const row = u * k;
    let filled = 0;
    while (filled < k && r.items[row + filled] !== -1) filled++;
    if (!(r.activeItems[u] >= filled && r.activeItems[u] <= r.itemsSeen)) throw new Error(`${what}: unit ${u} fired on ${r.activeItems[u]} of ${r.itemsSeen} items but keeps ${filled}`);
    for (let j = 0; j < k; j++) {
      const i = row + j;
      if (j < filled) {
        // Kept items fired (value > 0), best first, at a position inside the map.
        if (!(r.values[i] > 0) || (j > 0 && r.values[i] > r.values[i - 1]) || !(r.items[i] >= 0 && r.ys[i] >= 0 && r.xs[i] >= 0)) {
          throw new Error(`${what}: unit ${u} slot ${j} (item ${r.items[i]}, value ${r.values[i]}, position (${r.ys[i]}, ${r.xs[i]})) breaks the order of a top-k list`);
        }
      } else if (r.items[i] !== -1 || r.values[i] !== -Infinity || r.ys[i] !== -1 || r.xs[i] !== -1) {
        throw new Error(
          `${what}: unit ${u} slot ${j} (item ${r.items[i]}, value ${r.values[i]}, position (${r.ys[i]}, ${r.xs[i]})) is not empty, ` +
            'but empty slots (item -1, value -Infinity, position (-1, -1)) come after the kept items and only empty slots follow them',
        );
      }
    }
  }
}

/**
 * Per plane of a (planes, size) block (plane p is data[p * size ...], e.g. the (item, unit) maps
 * of a batch-first capture): the maximum over the plane and the first position holding it. The
 * living definition of shaders/forward_item_max.wgsl.
 */
export function planeMaxima(data: Float32Array, planes: number, size: number): { values: Float32Array; positions: Uint32Array } {
  if (size < 1) throw new Error(`top-k: a map of ${size} positions has no maximum`);
  if (data.length < planes * size) throw new Error(`top-k: ${data.length} values for ${planes} planes x ${size} positions`);
  const values = new Float32Array(planes);
  const where = new Uint32Array(planes);
  for (let plane = 0; plane < planes; plane++) {
    const base = plane * size;
    let best = data[base];
    let at = 0;
    for (let p = 1; p < size; p++) {
      if (data[base + p] > best) {
        best = data[base + p];
        at = p;
      }
    }
    values[plane] = best;
    where[plane] = at;
  }
  return { values, positions: where };
}
