// Class folders and the model's outputs (issue 10, tester's note: `c0`/`c1` folders gave
// "accuracy a 0.00%" without saying how folder names map to classes). The folders, in sorted
// order, are classes 0..K-1; the probe logs that mapping once, warns when folder names look like
// other class numbers, and warns when a net's number of outputs is not the number of classes.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode as encodePng } from 'fast-png';
import { afterAll, describe, expect, it } from 'vitest';
import { classMappingNotes, describeClassMapping, numberedFoldersWarning } from '../../../src/inputs/data/class-mapping.js';
import { openImageSource } from '../../../src/inputs/data/source.js';

const png = encodePng({ width: 3, height: 5, data: new Uint8Array(15).fill(7), channels: 1, depth: 8 });
const roots: string[] = [];
afterAll(async () => {
  for (const r of roots) await rm(r, { recursive: true, force: true });
});

/** A folder with one image in each of `classes`. */
async function classFolders(classes: string[]): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'convergent-classes-'));
  roots.push(root);
  for (const c of classes) {
    await mkdir(join(root, c));
    await writeFile(join(root, c, 'img.png'), png);
  }
  return root;
}

describe('the class folders of a folder source', () => {
  it('c0/c1: labels 0 and 1 in sorted order, and the mapping in words', async () => {
    const source = await openImageSource(await classFolders(['c1', 'c0']), { itemShape: [1, 5, 3] });
    expect(source.classFolders).toEqual(['c0', 'c1']);
    expect(Array.from(source.labels!)).toEqual([0, 1]);
    expect(classMappingNotes(source.classFolders, [{ name: 'a', outputShape: [1, 2] }])).toEqual(['class folders in sorted order map to output indices 0..1: c0 -> 0, c1 -> 1']);
  });

  it('MNIST has class names but no class folders: no note', async () => {
    const source = await openImageSource('mnist', { itemShape: [1, 28, 28], split: '0:5' });
    expect(source.classNames).toHaveLength(10);
    expect(source.classFolders).toBeUndefined();
    expect(classMappingNotes(source.classFolders, [{ name: 'a', outputShape: [1, 10] }])).toEqual([]);
  });

  it('folders 1, 2, 10 sort as 1, 10, 2: a warning says the names are not read as numbers', async () => {
    const source = await openImageSource(await classFolders(['1', '2', '10']), { itemShape: [1, 5, 3] });
    expect(source.classFolders).toEqual(['1', '10', '2']);
    expect(numberedFoldersWarning(source.classFolders!)).toBe(
      'the class folders are named like numbers, but the names are not read as numbers: folder 1 is class 0, folder 10 is class 1. ' +
        'If the folder names are the model\'s output indices, name them 0..2 (zero-padded when there are 10 or more, e.g. 00, 01, ...)',
    );
    expect(numberedFoldersWarning(['0', '1', '2'])).toBeUndefined();
    expect(numberedFoldersWarning(['00', '01', '02'])).toBeUndefined();
  });
});

describe('the number of classes and of outputs', () => {
  it('warns for each net whose outputs differ from the class folders', () => {
    const notes = classMappingNotes(['c0', 'c1'], [
      { name: 'a', outputShape: [1, 2] },
      { name: 'b', outputShape: [1, 10] },
      { name: 'c', outputShape: [1, 1] },
      { name: 'd', outputShape: [1, 2, 3, 3] },
    ]);
    expect(notes).toEqual([
      'class folders in sorted order map to output indices 0..1: c0 -> 0, c1 -> 1',
      'warning: net b has 10 outputs but the data has 2 class folders: its accuracy counts an image as right only when its largest output is the folder\'s index (0..1), so check that this is what the outputs mean',
      'warning: net c: no accuracy, it has 1 output but the data has 2 class folders',
      'warning: net d: no accuracy, its first output is not (N, classes) class scores',
    ]);
  });

  it('many classes: the first 12 pairs and a count of the rest', () => {
    const names = Array.from({ length: 15 }, (_, i) => `k${String(i).padStart(2, '0')}`);
    expect(describeClassMapping(names)).toBe(
      `class folders in sorted order map to output indices 0..14: ${names.slice(0, 12).map((n, i) => `${n} -> ${i}`).join(', ')}, ... (3 more)`,
    );
  });
});
