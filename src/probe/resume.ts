// Where a probe writes, with `--resume`: an unfinished run in --out (its probe.json lists pending
// layers, or it holds a checkpoint) is continued in place when it was probed from the same inputs
// with the same options; a complete one is left as it is (so a re-submitted cluster task that had
// in fact finished does nothing); an empty --out starts a fresh probe. Anything else is refused,
// naming what differs between the run and this command.
import { existsSync } from 'node:fs';
import { readManifest } from '../run-dir/manifest.js';
import { runPaths, type ProbeManifest, type ProbeProvenance } from '../run-dir/layout.js';
import { beginProbeRun, resumeProbeRun, type ProbeTarget } from '../run-dir/replace.js';
import { hasCheckpoint, readCheckpoint, type CheckpointLayer, type CheckpointMeta } from './checkpoint.js';
import { describeDifferences, provenanceDifferences } from './provenance-diff.js';

export interface ProbeStart {
  target?: ProbeTarget;
  /** --resume found the probe complete: nothing to do. */
  complete?: ProbeManifest;
  /** --resume: the unfinished run's probe.json and its newest checkpoint (if any). */
  existing?: ProbeManifest;
  checkpoint?: { meta: CheckpointMeta; layers: CheckpointLayer[] };
}

export interface ProbeStartOptions {
  resume?: boolean;
  overwrite?: boolean;
  command?: string;
  log?: (message: string) => void;
}

export async function startProbe(out: string, provenance: ProbeProvenance, options: ProbeStartOptions): Promise<ProbeStart> {
  const { log } = options;
  if (options.resume && options.overwrite) throw new Error('--resume continues the run in --out and --overwrite replaces it: give one');
  if (!options.resume || !existsSync(runPaths.manifest(out))) {
    return { target: await beginProbeRun(out, { overwrite: options.overwrite, command: options.command, log }) };
  }
  const existing = await readManifest(out);
  checkSameProbe(out, existing, provenance);
  if (existing.pending.length === 0 && !hasCheckpoint(out)) {
    log?.(`${out} is complete (${existing.layers.length} layers): nothing to resume`);
    return { complete: existing };
  }
  const target = await resumeProbeRun(out, { command: options.command, log });
  try {
    const checkpoint = await readCheckpoint(out);
    if (checkpoint) {
      // probe.json is this probe's (checked above); its checkpoint must be too, or the rest of
      // the probe would continue another probe's state.
      const foreign = provenanceDifferences(checkpoint.meta.provenance, provenance);
      if (foreign.length > 0) {
        throw new Error(`cannot resume ${out}: its checkpoint was written by another probe (${describeDifferences(foreign, 'the checkpoint', 'this command')}); delete the .checkpoint folders in ${out} to resume without it`);
      }
      log?.(`resuming ${out} from its checkpoint of ${checkpoint.meta.written}`);
    } else {
      log?.(`resuming ${out}: ${existing.layers.length} layers done, no checkpoint of the rest`);
    }
    return { target, existing, checkpoint };
  } catch (e) {
    target.fail();
    throw e;
  }
}

/** Refuses to continue a run probed from other inputs or with other options, naming what differs. */
function checkSameProbe(out: string, existing: ProbeManifest, provenance: ProbeProvenance): void {
  if (!existing.provenance) throw new Error(`cannot resume ${out}: its probe.json has no provenance (probed by an older convergent), so it cannot be checked to be the same probe; probe again with --overwrite`);
  const diffs = provenanceDifferences(existing.provenance, provenance);
  if (diffs.length > 0) {
    throw new Error(`cannot resume ${out}: it was probed from other inputs or with other options (${describeDifferences(diffs, 'the run', 'this command')}); use the same command, or --overwrite to start again`);
  }
}
