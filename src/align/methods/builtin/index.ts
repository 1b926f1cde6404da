// The built-in methods and reducers, registered through the same plugin shape as everyone else's.
import type { Plugin } from '../../../plugins/types.js';
import { miHistogramsReducer } from '../../../probe/reducers/mi-histograms.js';
import { sampleNormsReducer } from '../../../probe/reducers/sample-norms.js';
import { nullPairsReducer } from '../../../probe/reducers/null-pairs.js';
import { debiasedCkaMethod, metricMethods } from '../metrics/index.js';
import { hacMethod } from '../hac.js';
import { layerCkaMethod } from '../../layer-cka.js';
import { layerCkaReducer } from '../../../probe/layer-cka/reducer.js';
import { miMethod } from '../mi.js';
import { sparsePredictionMethod } from '../sparse-prediction.js';
import { spectralMethod } from '../spectral.js';
import { bipartiteMethod } from './bipartite.js';
import { semiMethod } from './semi.js';

export const builtinPlugin: Plugin = {
  meta: { name: 'convergent-builtin', version: '0.1.0' },
  methods: [semiMethod, bipartiteMethod, miMethod, ...metricMethods, debiasedCkaMethod, sparsePredictionMethod, spectralMethod, hacMethod, layerCkaMethod],
  reducers: [miHistogramsReducer, sampleNormsReducer, layerCkaReducer, nullPairsReducer],
};

export const DEFAULT_METHODS = ['semi', 'bipartite'];
