// An example convergent plugin: a method that counts, per layer and pair of nets, the units whose
// best partner in the other net correlates above a threshold, and a command that prints the same
// counts straight from a probed run, through the library's public API.
//
//   convergent align RUN --plugin examples/threshold-plugin.mjs --method count-above --count-above.threshold 0.8
//   convergent count-above RUN --plugin examples/threshold-plugin.mjs --threshold 0.8
//
// A plugin is an ES module whose default export is a plain object, or a factory returning one,
// with meta { name, version } and any of methods, reducers, commands. Commands are plain objects
// too ({ name, describe, positionals, options, handler }): no command-line library needed.

/** Best (maximum) correlation of each row, skipping NaN entries (dead units). */
function bestPerRow(corr, rows, cols) {
  const best = new Float64Array(rows).fill(-Infinity);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const v = corr[i * cols + j];
      if (v > best[i]) best[i] = v;
    }
  }
  return best;
}

/** Units of each net whose best partner in the other exceeds the threshold: [a's count, b's count]. */
function countAbove(corrAB, corrBA, unitsA, unitsB, threshold) {
  const above = (best) => best.filter((v) => v > threshold).length;
  return [above(bestPerRow(corrAB, unitsA, unitsB)), above(bestPerRow(corrBA, unitsB, unitsA))];
}

/** `convergent count-above RUN`: the counts of every probed layer and pair, from the run's moments. */
const countAboveCommand = {
  name: 'count-above',
  describe: 'print, per layer and pair of nets, the units whose best partner correlates above a threshold',
  positionals: { run: { type: 'string', required: true, describe: 'run directory written by probe' } },
  options: { threshold: { type: 'number', default: 0.5, describe: 'correlation a best partner must exceed' } },
  async handler({ run, threshold }) {
    // The library is loaded only when the command runs (the method above needs none of it);
    // reading a run directory needs the file system: `convergent/node`.
    const { readManifest, loadLayerData } = await import('convergent/node');
    const manifest = await readManifest(run);
    for (const record of manifest.layers) {
      const layer = await loadLayerData(run, manifest, record);
      for (const [a, b] of layer.pairs) {
        const [na, nb] = [layer.nets[a], layer.nets[b]];
        const [ab, ba] = countAbove(layer.correlation(a, b), layer.correlation(b, a), na.units, nb.units, threshold);
        console.log(`${layer.layer} ${na.name}-${nb.name}: ${ab} of ${na.units} and ${ba} of ${nb.units} units above ${threshold}`);
      }
    }
  },
};

export default function thresholdPlugin() {
  return {
    meta: { name: 'threshold-example', version: '1.0.0' },
    commands: [countAboveCommand],
    methods: [
      {
        name: 'count-above',
        description: 'count units whose best partner correlation exceeds a threshold',
        options: {
          threshold: { type: 'number', default: 0.5, describe: 'correlation a best partner must exceed' },
        },
        run(ctx) {
          const threshold = ctx.options.threshold;
          const columns = { layer: [], net_a: [], net_b: [], threshold: [], count_above: [], count_above_ba: [] };
          for (const [a, b] of ctx.pairs) {
            const na = ctx.nets[a];
            const nb = ctx.nets[b];
            const [ab, ba] = countAbove(ctx.correlation(a, b), ctx.correlation(b, a), na.units, nb.units, threshold);
            columns.layer.push(ctx.layer);
            columns.net_a.push(na.name);
            columns.net_b.push(nb.name);
            columns.threshold.push(threshold);
            columns.count_above.push(ab);
            columns.count_above_ba.push(ba);
          }
          return { tables: { count_above: ctx.table(columns) } };
        },
      },
    ],
  };
}
