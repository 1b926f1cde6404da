// Preloaded (`node --import`) into a CLI child by the merge and shard benches (./merge-shards.ts):
// at exit it prints the process's peak resident set, threads included, on stderr, where the bench
// reads it. Nothing else.
import { writeSync } from 'node:fs';
import { MAX_RSS_MARK } from './types.js';

process.on('exit', () => {
  writeSync(2, `${MAX_RSS_MARK}${process.resourceUsage().maxRSS}\n`);
});
