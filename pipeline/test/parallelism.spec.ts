import * as assert from "node:assert/strict";
import {
    clusterCount,
    engineDefaultParallelism,
    regionParallelism,
    WAITS_PER_CLUSTER,
} from "../parallelism";
import { parseStackFile } from "../stacks";

const stackFile = (n: number) =>
    parseStackFile(
        "config:\n  cluster-fleet:region: r1\n  cluster-fleet:clusters:\n" +
            Array.from(
                { length: n },
                (_, i) => `    - name: c${i}\n      kubernetesVersion: v1.34.4\n`,
            ).join(""),
    );

describe("pipeline/parallelism", () => {
    it("counts the clusters of a stack file", () => {
        assert.equal(clusterCount(stackFile(10)), 10);
        assert.equal(clusterCount(parseStackFile("config:\n  cluster-fleet:region: r1\n")), 0);
        assert.equal(clusterCount(undefined), 0);
        assert.equal(clusterCount(parseStackFile("config:\n  cluster-fleet:clusters: c1\n")), 0);
        assert.equal(clusterCount(parseStackFile("config:\n  other:clusters: [a, b]\n")), 0);
    });

    it("is the engine's default (4 per CPU) plus a slot per wait of every cluster", () => {
        assert.equal(engineDefaultParallelism(2), 8);
        assert.equal(engineDefaultParallelism(0), 4);
        assert.equal(WAITS_PER_CLUSTER, 2);
        assert.equal(regionParallelism(stackFile(10), 2), 8 + 20);
        assert.equal(regionParallelism(stackFile(50), 2), 8 + 100);
        assert.equal(regionParallelism(undefined, 4), 16);
    });
});
