// Whether a graph is well formed, from the graph alone: every node input is a graph input, an
// initializer or the output of a node before it (ONNX requires topological order), and every graph
// output is produced. A broken graph has no meaningful layers: the layer listing and the default
// layers report its first problem instead of quietly finding none ("no default layer in common").
import type { OnnxModel, OnnxNode } from './model.js';

/** The first problem of the graph in words, or undefined when it is well formed. */
export function graphProblem(model: OnnxModel): string | undefined {
  const producers = new Map<string, number>(); // value -> index of the node producing it
  model.nodes.forEach((n, i) => n.outputs.forEach((o) => o && producers.set(o, i)));
  const available = new Set<string>([...model.inputs.map((i) => i.name), ...model.initializers.keys()]);
  for (const [i, node] of model.nodes.entries()) {
    for (const input of node.inputs) {
      if (!input || available.has(input)) continue;
      const producer = producers.get(input);
      if (producer === undefined) return `${describeNode(node)} reads "${input}", which no node, initializer or graph input produces (a dangling input)`;
      const cycle = cycleThrough(model, i, producers);
      if (cycle) return `the graph has a cycle: ${cycle.map((k) => describeNode(model.nodes[k])).join(' -> ')} -> back to the first`;
      return `${describeNode(node)} reads "${input}" before ${describeNode(model.nodes[producer])} produces it (ONNX requires nodes in topological order)`;
    }
    for (const o of node.outputs) if (o) available.add(o);
  }
  const missing = model.outputs.find((o) => !available.has(o.name));
  if (missing) return `graph output "${missing.name}" is not produced by any node, initializer or graph input`;
  return undefined;
}

/** Throws the graph's first problem (see {@link graphProblem}). */
export function checkGraph(model: OnnxModel): void {
  const problem = graphProblem(model);
  if (problem) throw new Error(problem);
}

function describeNode(node: OnnxNode): string {
  return `${node.opType} node "${node.name}"`;
}

/** The nodes of a cycle through node `start` (following inputs back to their producers), if there is one. */
function cycleThrough(model: OnnxModel, start: number, producers: Map<string, number>): number[] | undefined {
  const visited = new Set<number>();
  const path: number[] = [];
  const visit = (k: number): boolean => {
    if (k === start && path.length > 0) return true;
    if (visited.has(k)) return false;
    visited.add(k);
    path.push(k);
    for (const input of model.nodes[k].inputs) {
      const p = input ? producers.get(input) : undefined;
      if (p !== undefined && visit(p)) return true;
    }
    path.pop();
    return false;
  };
  if (!visit(start)) return undefined;
  const [first, ...back] = path; // first = start, then its producers going back
  return [first, ...back.reverse()]; // in the direction the data flows, from `start`
}
