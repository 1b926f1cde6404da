// An example convergent plugin: a method that counts, per layer and pair of nets, the units whose
// best partner in the other net correlates above a threshold.
//
//   convergent align RUN --plugin examples/threshold-plugin.mjs --method count-above --count-above.threshold 0.8
//
// A plugin is an ES module whose default export is a plain object, or a factory returning one,
// with meta { name, version } and any of methods, reducers, commands.

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

export default function thresholdPlugin() {
  return {
    meta: { name: 'threshold-example', version: '1.0.0' },
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
            const corr = ctx.correlation(a, b);
            const rowBest = bestPerRow(corr, na.units, nb.units);
            const corrBA = ctx.correlation(b, a);
            const colBest = bestPerRow(corrBA, nb.units, na.units);
            columns.layer.push(ctx.layer);
            columns.net_a.push(na.name);
            columns.net_b.push(nb.name);
            columns.threshold.push(threshold);
            columns.count_above.push(rowBest.filter((v) => v > threshold).length);
            columns.count_above_ba.push(colBest.filter((v) => v > threshold).length);
          }
          return { tables: { count_above: ctx.table(columns) } };
        },
      },
    ],
  };
}
