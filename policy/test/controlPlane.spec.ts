import * as assert from "node:assert/strict";
import { controlPlaneReplicas } from "../policies/controlPlane";
import { runResourcePolicy, unknown } from "../testing";
import { assertPasses, assertViolations } from "./assert";
import { c1, controlPlane, ipPool, withProps } from "./fixtures";

const kcp = (replicas: unknown) =>
    withProps(controlPlane(c1), (p) => {
        p.spec.replicas = replicas;
    });
const dev = { minReplicas: 1 };

describe("policy control-plane-replicas", () => {
    it("passes 3 replicas with the default (prod) config", async () => {
        assertPasses(await runResourcePolicy(controlPlaneReplicas, kcp(3)));
    });

    it("rejects fewer than the minimum and even counts", async () => {
        assertViolations(await runResourcePolicy(controlPlaneReplicas, kcp(1)), /at least 3/);
        assertViolations(await runResourcePolicy(controlPlaneReplicas, kcp(4)), /odd number/);
        assertViolations(
            await runResourcePolicy(controlPlaneReplicas, kcp(2)),
            /at least 3/,
            /odd number/,
        );
    });

    it("treats an absent replicas field as KCP's default of 1", async () => {
        const r = withProps(controlPlane(c1), (p) => delete p.spec.replicas);
        assertViolations(await runResourcePolicy(controlPlaneReplicas, r), /is 1.*at least 3/);
        assertPasses(await runResourcePolicy(controlPlaneReplicas, r, dev));
    });

    it("allows a single machine in dev but still requires odd counts", async () => {
        assertPasses(await runResourcePolicy(controlPlaneReplicas, kcp(1), dev));
        assertViolations(await runResourcePolicy(controlPlaneReplicas, kcp(2), dev), /odd/);
        assertPasses(
            await runResourcePolicy(controlPlaneReplicas, kcp(2), { ...dev, requireOdd: false }),
        );
    });

    it("rejects non-integer replicas", async () => {
        assertViolations(await runResourcePolicy(controlPlaneReplicas, kcp("3")), /integer/);
    });

    it("reports unknown replicas on preview as a violation, not a skipped policy", async () => {
        assertViolations(
            await runResourcePolicy(controlPlaneReplicas, kcp(unknown.number)),
            /spec\.replicas \(\.spec\.replicas\) is not known at preview time/,
        );
    });

    it("still checks replicas when unrelated fields are unknown on preview", async () => {
        const edit = (replicas: number) =>
            withProps(controlPlane(c1), (p) => {
                p.spec.replicas = replicas;
                p.spec.kubeadmConfigSpec.files[0].content = unknown.string;
                p.spec.machineTemplate = unknown.object;
            });
        assertPasses(await runResourcePolicy(controlPlaneReplicas, edit(3)));
        assertViolations(await runResourcePolicy(controlPlaneReplicas, edit(2)), /at least/, /odd/);
    });

    it("ignores other kinds", async () => {
        assertPasses(await runResourcePolicy(controlPlaneReplicas, ipPool(c1)));
    });

    it("rejects invalid config with a message naming the property", async () => {
        await assert.rejects(
            runResourcePolicy(controlPlaneReplicas, kcp(3), { minReplicas: 0 }),
            /control-plane-replicas.*"minReplicas" must be an integer >= 1, got 0/,
        );
    });
});
