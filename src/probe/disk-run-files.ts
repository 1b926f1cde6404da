// The run's files on disk, for writers that also write into a run in memory (./topk-files.ts):
// npy and JSON as saved states are written, and pictures atomically but not flushed one by one
// (a run draws thousands of them, and they are only pictures).
import { writeFileAtomic } from '../run-dir/atomic-write.js';
import { diskStateWriter } from './snapshot-io.js';
import type { RunFileSink } from './topk-files.js';

export const diskRunFiles: RunFileSink = {
  ...diskStateWriter,
  bytes: (path, data) => writeFileAtomic(path, data, { fsync: false }),
};
