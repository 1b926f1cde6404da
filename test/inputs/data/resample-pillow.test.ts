// Resampling against Pillow's own (Image.resize with BILINEAR on float 'F' images, whose weights
// are Pillow's precompute_coeffs in double precision): up and down, square and not, with and
// without antialiasing (reducing_gap off). Skips with a message where no Python has Pillow.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { axisTaps, resamplePlane } from '../../../src/inputs/data/resample.js';
import { seededUniform } from '../../../src/util/random.js';

const SCRIPT = `
import sys, json
from PIL import Image
cases = json.load(sys.stdin)
out = []
for c in cases:
    im = Image.new('F', (c['w'], c['h']))
    im.putdata(c['data'])
    r = im.resize((c['ow'], c['oh']), Image.BILINEAR)
    out.append(list(r.getdata()))
json.dump(out, sys.stdout)
`;

function pythonWithPillow(): string | undefined {
  for (const py of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(py, ['-c', 'import PIL'], { encoding: 'utf8' });
    if (r.status === 0) return py;
  }
  return undefined;
}

const python = pythonWithPillow();
if (!python) console.warn('Pillow cross-check skipped: no python3 with PIL');

describe.skipIf(!python)('resampling matches Pillow', () => {
  it('on random images, up and down', () => {
    const sizes = [
      [13, 17, 5, 7], // down, both axes
      [9, 6, 23, 14], // up
      [40, 31, 12, 31], // down one axis, same on the other
      [7, 50, 19, 10], // up one axis, down the other
      [3, 3, 1, 1],
    ];
    const u = seededUniform(5);
    const cases = sizes.map(([h, w, oh, ow]) => ({ h, w, oh, ow, data: Array.from({ length: h! * w! }, () => Math.round(u() * 2550) / 10) }));
    const r = spawnSync(python!, ['-c', SCRIPT], { input: JSON.stringify(cases), encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const expected = JSON.parse(r.stdout) as number[][];
    cases.forEach((c, k) => {
      const rows = axisTaps(c.h!, c.oh!, 0, c.oh!, true);
      const cols = axisTaps(c.w!, c.ow!, 0, c.ow!, true);
      const out = new Float32Array(c.oh! * c.ow!);
      resamplePlane(Float32Array.from(c.data), 0, c.w!, rows, cols, out, 0, 0);
      let worst = 0;
      out.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - expected[k]![i]!))));
      expect(worst, `${c.h}x${c.w} -> ${c.oh}x${c.ow}`).toBeLessThan(1e-3); // values 0..255, float32 sums
    });
  });
});
