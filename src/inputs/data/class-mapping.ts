// How the labels of class folders meet a model's outputs: the first-level sub-folders, in sorted
// order (src/inputs/data/folder.ts), are classes 0..K-1, and a net's accuracy counts the images whose
// largest output index equals that class. The folder names themselves are never read as numbers:
// folders `1`..`10` sort as 1, 10, 2, ... and map to 0, 1, 2, ... So the probe says which mapping
// it used, warns when folder names look like other class numbers, and warns when a net's number of
// outputs differs from the number of classes (fewer: no accuracy; more: outputs no folder names).
import { plural } from '../../util/plural.js';

/** At most this many `name -> index` pairs in a message; the rest is counted. */
const SHOWN = 12;

/** "class folders in sorted order map to output indices 0..K-1: c0 -> 0, c1 -> 1". */
export function describeClassMapping(classNames: readonly string[]): string {
  const pairs = classNames.slice(0, SHOWN).map((name, i) => `${name} -> ${i}`);
  const more = classNames.length > SHOWN ? `, ... (${classNames.length - SHOWN} more)` : '';
  return `class folders in sorted order map to output indices 0..${classNames.length - 1}: ${pairs.join(', ')}${more}`;
}

/** A warning when the folder names are whole numbers that are not their own index, else undefined. */
export function numberedFoldersWarning(classNames: readonly string[]): string | undefined {
  if (!classNames.every((name) => /^\d+$/.test(name))) return undefined;
  const differ = classNames.map((name, i) => [name, i] as const).filter(([name, i]) => Number(name) !== i);
  if (differ.length === 0) return undefined;
  const shown = differ.slice(0, SHOWN).map(([name, i]) => `folder ${name} is class ${i}`);
  return (
    `the class folders are named like numbers, but the names are not read as numbers: ${shown.join(', ')}${differ.length > SHOWN ? ', ...' : ''}. ` +
    `If the folder names are the model's output indices, name them 0..${classNames.length - 1} (zero-padded when there are 10 or more, e.g. 00, 01, ...)`
  );
}

/** A net and the shape of its graph's first output: class scores when it is (N, K). */
export interface ClassifierNet {
  name: string;
  outputShape?: readonly number[];
}

/** K when the output is (N, K) class scores, else undefined. */
function outputCount(net: ClassifierNet): number | undefined {
  return net.outputShape?.length === 2 ? net.outputShape[1] : undefined;
}

/** Warnings for nets whose number of outputs is not the number of classes. */
export function classCountWarnings(classNames: readonly string[], nets: readonly ClassifierNet[]): string[] {
  const classes = classNames.length;
  const warnings: string[] = [];
  for (const net of nets) {
    const outputs = outputCount(net);
    if (outputs === undefined) {
      warnings.push(`net ${net.name}: no accuracy, its first output is not (N, classes) class scores`);
    } else if (outputs < classes) {
      warnings.push(`net ${net.name}: no accuracy, it has ${plural(outputs, 'output')} but the data has ${plural(classes, 'class folder')}`);
    } else if (outputs > classes) {
      warnings.push(
        `net ${net.name} has ${plural(outputs, 'output')} but the data has ${plural(classes, 'class folder')}: its accuracy counts an image as right only when its largest output is the folder's index (0..${classes - 1}), so check that this is what the outputs mean`,
      );
    }
  }
  return warnings;
}

/** What the probe logs, once, about the labels of class folders and the nets' outputs: the mapping, then any warnings. */
export function classMappingNotes(classNames: readonly string[] | undefined, nets: readonly ClassifierNet[]): string[] {
  if (!classNames || classNames.length === 0) return [];
  const numbered = numberedFoldersWarning(classNames);
  return [describeClassMapping(classNames), ...(numbered ? [`warning: ${numbered}`] : []), ...classCountWarnings(classNames, nets).map((w) => `warning: ${w}`)];
}
