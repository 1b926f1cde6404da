// The built-in methods, registered through the same plugin shape as everyone else's.
import type { Plugin } from '../../plugins/types.js';
import { bipartiteMethod } from './bipartite.js';
import { semiMethod } from './semi.js';

export const builtinPlugin: Plugin = {
  meta: { name: 'convergent-builtin', version: '0.1.0' },
  methods: [semiMethod, bipartiteMethod],
};

export const DEFAULT_METHODS = ['semi', 'bipartite'];
