// The three nets' activations that scripts/fixtures/make_e2e_fixtures.py and make_mi_fixtures.py
// write (common.py, write_three_nets): one of each input kind the tool reads.
import { join } from 'node:path';

/** netA a directory of .npy, netB.npz (savez), netC.npz (savez_compressed), under `dir`. */
export function threeNets(dir: string): { name: string; path: string }[] {
  return [
    { name: 'netA', path: join(dir, 'netA') },
    { name: 'netB', path: join(dir, 'netB.npz') },
    { name: 'netC', path: join(dir, 'netC.npz') },
  ];
}
