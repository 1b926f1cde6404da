// The tables both clustering methods write, one set per method, stacked over pairs and layers:
//
//   clusters       layer, method, net_a, net_b, net, unit, cluster: one row per live unit of each
//                  pair's joint matrix (dead units have no correlation and no row)
//   cluster_sizes  layer, method, net_a, net_b, cluster, size_a, size_b: units of each net in it
//   cluster_order  layer, method, net_a, net_b, position, net, unit: the permutation that puts
//                  the pair's joint matrix in cluster order (clusters in id order; within one,
//                  net a's units then net b's, each in unit order)
//   summary        layer, net_a, net_b, <method>_k (clusters), <method>_shared (clusters holding
//                  units of both nets), joined onto the headline summary
//
// Cluster ids are canonical: 0.. by decreasing size, ties by the first unit in joint order, so the
// same partition always gets the same ids whatever the algorithm's own label names.
import type { Table } from '../../../tables/types.js';
import { canonicalLabels } from '../../cluster/labels.js';
import type { MethodContext } from '../types.js';
import type { JointMatrix } from './joint.js';

export class ClusterTables {
  private readonly clusters = { layer: [] as string[], method: [] as string[], net_a: [] as string[], net_b: [] as string[], net: [] as string[], unit: [] as number[], cluster: [] as number[] };
  private readonly sizes = { layer: [] as string[], method: [] as string[], net_a: [] as string[], net_b: [] as string[], cluster: [] as number[], size_a: [] as number[], size_b: [] as number[] };
  private readonly order = { layer: [] as string[], method: [] as string[], net_a: [] as string[], net_b: [] as string[], position: [] as number[], net: [] as string[], unit: [] as number[] };
  private readonly summary: Record<string, (string | number | null)[]>;

  constructor(
    private readonly method: string,
    private readonly ctx: MethodContext,
  ) {
    this.summary = { layer: [], net_a: [], net_b: [], [`${method}_k`]: [], [`${method}_shared`]: [] };
  }

  /** Adds one pair's partition (any label names: made canonical here). */
  add(pair: [number, number], joint: JointMatrix, rawLabels: ArrayLike<number>): Int32Array {
    const { layer } = this.ctx;
    const nameA = this.ctx.nets[pair[0]].name;
    const nameB = this.ctx.nets[pair[1]].name;
    const labels = canonicalLabels(rawLabels);
    let k = 0;
    for (let i = 0; i < labels.length; i++) k = Math.max(k, labels[i] + 1);
    const sizeA = new Array(k).fill(0);
    const sizeB = new Array(k).fill(0);
    for (let i = 0; i < joint.n; i++) {
      const fromA = i < joint.na;
      (fromA ? sizeA : sizeB)[labels[i]]++;
      this.clusters.layer.push(layer);
      this.clusters.method.push(this.method);
      this.clusters.net_a.push(nameA);
      this.clusters.net_b.push(nameB);
      this.clusters.net.push(fromA ? nameA : nameB);
      this.clusters.unit.push(joint.unit[i]);
      this.clusters.cluster.push(labels[i]);
    }
    for (let c = 0; c < k; c++) {
      this.sizes.layer.push(layer);
      this.sizes.method.push(this.method);
      this.sizes.net_a.push(nameA);
      this.sizes.net_b.push(nameB);
      this.sizes.cluster.push(c);
      this.sizes.size_a.push(sizeA[c]);
      this.sizes.size_b.push(sizeB[c]);
    }
    const perm = Array.from({ length: joint.n }, (_, i) => i).sort((x, y) => labels[x] - labels[y] || x - y);
    perm.forEach((i, position) => {
      this.order.layer.push(layer);
      this.order.method.push(this.method);
      this.order.net_a.push(nameA);
      this.order.net_b.push(nameB);
      this.order.position.push(position);
      this.order.net.push(i < joint.na ? nameA : nameB);
      this.order.unit.push(joint.unit[i]);
    });
    this.addSummary(nameA, nameB, k, sizeA.filter((s, c) => s > 0 && sizeB[c] > 0).length);
    return labels;
  }

  /** A pair without live units: no rows, and an empty summary cell. */
  addEmpty(pair: [number, number]): void {
    this.addSummary(this.ctx.nets[pair[0]].name, this.ctx.nets[pair[1]].name, null, null);
  }

  private addSummary(nameA: string, nameB: string, k: number | null, shared: number | null): void {
    this.summary.layer.push(this.ctx.layer);
    this.summary.net_a.push(nameA);
    this.summary.net_b.push(nameB);
    this.summary[`${this.method}_k`].push(k);
    this.summary[`${this.method}_shared`].push(shared);
  }

  tables(): Record<string, Table> {
    return {
      clusters: this.ctx.table(this.clusters),
      cluster_sizes: this.ctx.table(this.sizes),
      cluster_order: this.ctx.table(this.order),
      summary: this.ctx.table(this.summary),
    };
  }
}
