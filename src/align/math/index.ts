// Similarity metrics between two nets' representations, each a pure function of covariance blocks
// (so exact over any number of samples when fed the streamed moments).
export { covarianceBlocks, liveUnits, type CovarianceBlocks, type UnitRange } from './blocks.js';
export { linearCka } from './cka.js';
export { canonicalCorrelations, svcca, principalDims, type CanonicalCorrelations, type CcaOptions, type SvccaOptions, type SvccaResult } from './cca.js';
export { regressionR2, type RegressionR2 } from './regression.js';
export { procrustesDistance } from './procrustes.js';
export { DEFAULT_RELATIVE_EPSILON, inverseSqrt, matMul, matTMul, nuclearNorm, singularValues, transpose, whitener } from './linalg.js';
