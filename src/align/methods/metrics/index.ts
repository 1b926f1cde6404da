// The metric methods (issues "metrics from moments" and "activation statistics"): similarity
// metrics computed exactly from the streamed moments, and the sorted mean activations.
import type { Method } from '../types.js';
import { activationStatsMethod } from './activation-stats.js';
import { ccaMethod } from './cca.js';
import { debiasedCkaMethod } from './debiased-cka.js';
import { linearCkaMethod } from './linear-cka.js';
import { procrustesMethod } from './procrustes.js';
import { regressionMethod } from './regression.js';
import { svccaMethod } from './svcca.js';

export { activationStatsMethod, ccaMethod, debiasedCkaMethod, linearCkaMethod, procrustesMethod, regressionMethod, svccaMethod };

export const metricMethods: Method[] = [linearCkaMethod, ccaMethod, svccaMethod, regressionMethod, procrustesMethod, activationStatsMethod];
