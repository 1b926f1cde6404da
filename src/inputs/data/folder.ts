// Lists the images of a folder tree: PNG and JPEG files (by extension, case-insensitive) at any
// depth, hidden files and folders (names starting with '.', e.g. macOS "._x.jpg" resource forks)
// left out, symbolic links followed once. The order is by relative path, compared segment by
// segment in UTF-16 code units, so it is the same on every machine and locale. Classes are the
// first-level sub-folders, as in torchvision's ImageFolder, when every image lies in one and
// there are at least two (a single sub-folder is a container, not a class).
import { readdir, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { IMAGE_EXTENSIONS, orderImages } from './image-order.js';

export { comparePaths, IMAGE_EXTENSIONS } from './image-order.js';

export interface ImageListing {
  /** The folder the relative paths start from. */
  root: string;
  /** Relative paths with '/' separators, in the fixed order. */
  files: string[];
  /** Class names in order (label l is classes[l]); empty when the tree has no classes. */
  classes: string[];
  /** Label of each file, when there are classes. */
  labels?: Int32Array;
}

/** Images under `path` (a folder, or one image file), in the fixed order, with their classes. */
export async function listImages(path: string): Promise<ImageListing> {
  const info = await stat(path);
  if (!info.isDirectory()) {
    if (!IMAGE_EXTENSIONS.test(path)) throw new Error(`${path}: not a PNG or JPEG file (by its extension)`);
    return { root: dirname(path), files: [basename(path)], classes: [] };
  }
  const files: string[] = [];
  const seen = new Set<string>([await realpath(path)]);
  await walk(path, '', files, seen);
  return { root: path, ...orderImages(files) };
}

/** The class names of a folder of class sub-folders (empty if it has none); label l is the l-th. */
export async function listClasses(dir: string): Promise<string[]> {
  return (await listImages(dir)).classes;
}

async function walk(dir: string, rel: string, out: string[], seen: Set<string>): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    throw new Error(`${dir}: cannot list the folder (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const full = join(dir, entry.name);
    const relPath = rel ? `${rel}/${entry.name}` : entry.name;
    let isDir = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      const target = await stat(full).catch(() => undefined); // a dangling link is not an image
      isDir = target?.isDirectory() ?? false;
      isFile = target?.isFile() ?? false;
    }
    if (isDir) {
      const real = await realpath(full);
      if (seen.has(real)) continue; // a link back up the tree
      seen.add(real);
      await walk(full, relPath, out, seen);
    } else if (isFile && IMAGE_EXTENSIONS.test(entry.name)) out.push(relPath);
  }
}
