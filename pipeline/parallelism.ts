// How many resource operations the engine runs at once in one region (`pulumi up --parallel`).
// The engine's default is 4 per CPU (8 on a 2-core runner), sized for CPU-bound work. A region
// holds slots for minutes without using CPU: each cluster's readiness wait (until CAPI has
// written its kubeconfig and the API server answers) and its Argo CD sync wait. With the default
// the 9th and later clusters of a region queue behind the first eight clusters' waits, so a
// region's up took a wait longer per 8 clusters. The driver gives each of those waits a slot of
// its own on top of the engine's default.
import * as yaml from "js-yaml";
import { PROJECT } from "../components/constants";

/** Slots a cluster may hold while waiting: the API server's readiness and the Argo CD sync. */
export const WAITS_PER_CLUSTER = 2;

/** The engine's own default: 4 per CPU (pkg/cmd/pulumi/operations/up.go, defaultParallel). */
export function engineDefaultParallelism(cpus: number): number {
    return 4 * Math.max(1, cpus);
}

/** Number of clusters in a stack file's `cluster-fleet:clusters`; 0 when absent or unreadable. */
export function clusterCount(stackYaml: string | undefined): number {
    if (stackYaml === undefined) return 0;
    try {
        const doc = yaml.load(stackYaml) as { config?: Record<string, unknown> } | null;
        const clusters = doc?.config?.[`${PROJECT}:clusters`];
        return Array.isArray(clusters) ? clusters.length : 0;
    } catch {
        return 0; // the program reports a broken stack file with the field named
    }
}

/** `--parallel` for a region: the engine's default plus one slot per wait of every cluster. */
export function regionParallelism(stackYaml: string | undefined, cpus: number): number {
    return engineDefaultParallelism(cpus) + WAITS_PER_CLUSTER * clusterCount(stackYaml);
}
