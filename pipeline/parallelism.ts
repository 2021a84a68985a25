// How many resource operations the engine runs at once in one region (`pulumi up --parallel`).
// The engine's default is 4 per CPU (8 on a 2-core runner), sized for CPU-bound work. A region
// holds slots for minutes without using CPU: each cluster's readiness wait (until CAPI has
// written its kubeconfig and the API server answers) and its Argo CD sync wait. Once waits hold
// every slot, nothing else of the region is created, not even later clusters' Cluster objects,
// whose provisioning then starts only when a wait ends. So each wait gets a slot of its own on
// top of the engine's default (pipeline/README.md, "Parallelism within a region").
import { PROJECT } from "../components/constants";
import type { StackDoc } from "./stacks";

/** Slots a cluster may hold while waiting: the API server's readiness and the Argo CD sync. */
export const WAITS_PER_CLUSTER = 2;

/** The engine's own default: 4 per CPU (pkg/cmd/pulumi/operations/up.go, defaultParallel). */
export function engineDefaultParallelism(cpus: number): number {
    return 4 * Math.max(1, cpus);
}

/** Number of clusters in a stack file's `cluster-fleet:clusters`; 0 when absent or not a list. */
export function clusterCount(doc: StackDoc | undefined): number {
    const clusters = doc?.config?.[`${PROJECT}:clusters`];
    return Array.isArray(clusters) ? clusters.length : 0;
}

/** `--parallel` for a region: the engine's default plus one slot per wait of every cluster. */
export function regionParallelism(doc: StackDoc | undefined, cpus: number): number {
    return engineDefaultParallelism(cpus) + WAITS_PER_CLUSTER * clusterCount(doc);
}
