// The fixed order and the classes of a folder tree's images, from their relative paths alone:
// hidden names ('.'-prefixed, e.g. macOS "._x.jpg" resource forks) and non-images left out, paths
// compared segment by segment in UTF-16 code units (the same on every machine and locale), and
// classes from the first-level sub-folders as in torchvision's ImageFolder, when every image lies
// in one and there are at least two. Pure: src/inputs/data/folder.ts lists a folder on disk
// with it, the web page a folder the user chose.

export const IMAGE_EXTENSIONS = /\.(png|jpe?g)$/i;

/** Compares relative paths segment by segment by code units (never locale-dependent). */
export function comparePaths(a: string, b: string): number {
  const sa = a.split('/');
  const sb = b.split('/');
  for (let i = 0; i < Math.min(sa.length, sb.length); i++) {
    if (sa[i] !== sb[i]) return sa[i]! < sb[i]! ? -1 : 1;
  }
  return sa.length - sb.length;
}

export interface OrderedImages {
  /** Relative paths with '/' separators, in the fixed order. */
  files: string[];
  /** Class names in order (label l is classes[l]); empty when the tree has no classes. */
  classes: string[];
  /** Label of each file, when there are classes. */
  labels?: Int32Array;
}

/** `paths` (relative, '/' separators) as a folder's images: the images kept, in order, with their classes. */
export function orderImages(paths: string[]): OrderedImages {
  const files = paths.filter((p) => IMAGE_EXTENSIONS.test(p) && !p.split('/').some((segment) => segment.startsWith('.'))).sort(comparePaths);
  const firstLevel = files.map((f) => (f.includes('/') ? f.slice(0, f.indexOf('/')) : undefined));
  const classes = firstLevel.every((c) => c !== undefined) ? [...new Set(firstLevel as string[])].sort(comparePaths) : [];
  if (classes.length < 2) return { files, classes: [] };
  const index = new Map(classes.map((c, i) => [c, i]));
  return { files, classes, labels: Int32Array.from(firstLevel, (c) => index.get(c!)!) };
}
