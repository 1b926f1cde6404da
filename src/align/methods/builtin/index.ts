// The built-in methods and reducers, registered through the same plugin shape as everyone else's.
import type { Plugin } from '../../../plugins/types.js';
import { miHistogramsReducer } from '../../../probe/reducers/mi-histograms.js';
import { metricMethods } from '../metrics/index.js';
import { hacMethod } from '../hac.js';
import { miMethod } from '../mi.js';
import { sparsePredictionMethod } from '../sparse-prediction.js';
import { spectralMethod } from '../spectral.js';
import { bipartiteMethod } from './bipartite.js';
import { semiMethod } from './semi.js';

export const builtinPlugin: Plugin = {
  meta: { name: 'convergent-builtin', version: '0.1.0' },
  methods: [semiMethod, bipartiteMethod, miMethod, ...metricMethods, sparsePredictionMethod, spectralMethod, hacMethod],
  reducers: [miHistogramsReducer],
};

export const DEFAULT_METHODS = ['semi', 'bipartite'];
