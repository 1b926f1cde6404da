// What differs between two runs' provenance (src/probe/provenance.ts): a resumed probe must have
// the inputs and options of its checkpoint, and the parts of a merge must agree on everything but
// the items they cover. Each difference is named by its path, with both values, so that a refusal
// says exactly what to fix ("nets[1].files[0].sha256: 3fa1... here, 9c0e... in part-2").
import type { ProbeProvenance } from '../run-dir/layout.js';

export interface ProvenanceDifference {
  /** e.g. `nets[1].files[0].sha256`, `reducers[0].options.bins`. */
  path: string;
  a: unknown;
  b: unknown;
}

/** Every leaf where `a` and `b` differ, skipping the top-level keys in `ignore`; at most `limit`. */
export function provenanceDifferences(a: ProbeProvenance, b: ProbeProvenance, ignore: (keyof ProbeProvenance)[] = [], limit = 8): ProvenanceDifference[] {
  const out: ProvenanceDifference[] = [];
  const walk = (x: unknown, y: unknown, path: string): void => {
    if (out.length >= limit) return;
    if (isObject(x) && isObject(y)) {
      const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
      for (const key of keys) {
        if (path === '' && (ignore as string[]).includes(key)) continue;
        walk(x[key], y[key], path === '' ? key : `${path}.${key}`);
      }
    } else if (Array.isArray(x) && Array.isArray(y)) {
      if (x.length !== y.length) {
        out.push({ path: `${path}.length`, a: x.length, b: y.length });
        // Lists of named things (layers, reducers, nets): which ones, not just how many.
        const [na, nb] = [names(x), names(y)];
        if (na && nb) out.push({ path: `${path}[].name`, a: na, b: nb });
      } else x.forEach((xi, i) => walk(xi, y[i], `${path}[${i}]`));
    } else if (JSON.stringify(x) !== JSON.stringify(y)) {
      out.push({ path, a: x, b: y });
    }
  };
  walk(a, b, '');
  return out;
}

/** The differences as one line each, `path: A (aName) vs B (bName)`. */
export function describeDifferences(diffs: ProvenanceDifference[], aName: string, bName: string): string {
  const show = (v: unknown) => (v === undefined ? '(absent)' : truncate(JSON.stringify(v)));
  return diffs.map((d) => `${d.path}: ${show(d.a)} (${aName}) vs ${show(d.b)} (${bName})`).join('; ');
}

function names(list: unknown[]): string[] | undefined {
  const all = list.map((item) => (isObject(item) && typeof item.name === 'string' ? item.name : undefined));
  return all.every((n) => n !== undefined) ? (all as string[]) : undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function truncate(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
