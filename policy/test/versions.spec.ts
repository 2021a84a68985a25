import * as assert from "node:assert/strict";
import { kubernetesVersionAllowed, kubernetesVersionSkew } from "../policies/versions";
import { runResourcePolicy, runStackPolicy, unknown } from "../testing";
import { assertPasses, assertViolations } from "./assert";
import {
    c1,
    c2,
    capiCluster,
    controlPlane,
    machineDeployment,
    machineTemplate,
    withProps,
} from "./fixtures";

describe("policy kubernetes-version-allowed", () => {
    const kcp = (version: unknown) =>
        withProps(controlPlane(c1), (p) => (p.spec.version = version));
    const md = (version: unknown) =>
        withProps(machineDeployment(c1), (p) => (p.spec.template.spec.version = version));

    it("passes allowed minors on control planes and workers", async () => {
        assertPasses(await runResourcePolicy(kubernetesVersionAllowed, kcp("v1.34.2")));
        assertPasses(await runResourcePolicy(kubernetesVersionAllowed, md("v1.36.0")));
    });

    it("rejects minors outside the list, and honours the configured list", async () => {
        assertViolations(
            await runResourcePolicy(kubernetesVersionAllowed, kcp("v1.29.4")),
            /v1\.29\.4 is not allowed here; allowed minors are 1\.34, 1\.35, 1\.36/,
        );
        assertViolations(
            await runResourcePolicy(kubernetesVersionAllowed, md("v1.34.2"), {
                allowedMinors: ["1.35"],
            }),
            /MachineDeployment .*not allowed/,
        );
    });

    it("rejects malformed versions", async () => {
        for (const v of ["1.34.2", "v1.34", "v1.34.2-rc.1", 134]) {
            assertViolations(
                await runResourcePolicy(kubernetesVersionAllowed, kcp(v)),
                /must look like "v1\.34\.2"/,
            );
        }
    });

    it("reports unknown versions on preview; ignores unrelated unknowns", async () => {
        assertViolations(
            await runResourcePolicy(kubernetesVersionAllowed, kcp(unknown.string)),
            /spec\.version .* is not known at preview time/,
        );
        const r = withProps(kcp("v1.20.0"), (p) => (p.spec.kubeadmConfigSpec = unknown.object));
        assertViolations(await runResourcePolicy(kubernetesVersionAllowed, r), /not allowed/);
    });

    it("ignores other kinds", async () => {
        assertPasses(
            await runResourcePolicy(kubernetesVersionAllowed, machineTemplate(c1, "worker")),
        );
    });
});

describe("policy kubernetes-version-skew", () => {
    const stack = (cp: string, worker: string) => [
        capiCluster(c1),
        controlPlane({ ...c1, version: cp }),
        machineDeployment({ ...c1, workerVersion: worker }),
    ];

    it("passes equal versions and workers up to three minors behind", async () => {
        assertPasses(await runStackPolicy(kubernetesVersionSkew, stack("v1.34.2", "v1.34.2")));
        assertPasses(await runStackPolicy(kubernetesVersionSkew, stack("v1.34.2", "v1.31.9")));
    });

    it("rejects workers newer than the control plane", async () => {
        assertViolations(
            await runStackPolicy(kubernetesVersionSkew, stack("v1.34.2", "v1.35.0")),
            /workers at v1\.35\.0, control plane at v1\.34\.2: workers must not be newer/,
        );
    });

    it("rejects workers more than the allowed minors behind", async () => {
        assertViolations(
            await runStackPolicy(kubernetesVersionSkew, stack("v1.35.0", "v1.31.0")),
            /at most 3 minor versions older/,
        );
        assertViolations(
            await runStackPolicy(kubernetesVersionSkew, stack("v1.35.0", "v1.34.0"), {
                maxMinorSkew: 0,
            }),
            /at most 0 minor/,
        );
    });

    it("matches each MachineDeployment to its own cluster's control plane", async () => {
        const resources = [
            capiCluster(c1),
            controlPlane({ ...c1, version: "v1.34.2" }),
            machineDeployment({ ...c1, workerVersion: "v1.34.2" }),
            capiCluster(c2),
            controlPlane({ ...c2, version: "v1.36.1" }),
            machineDeployment({ ...c2, workerVersion: "v1.35.0" }),
        ];
        assertPasses(await runStackPolicy(kubernetesVersionSkew, resources));
        // Swap: c1's workers at c2's version would be newer than c1's control plane.
        resources[2] = machineDeployment({ ...c1, workerVersion: "v1.35.0" });
        const o = await runStackPolicy(kubernetesVersionSkew, resources);
        assertViolations(o, /MachineDeployment capi-clusters\/c1-md-0: .*must not be newer/);
        assert.match(o.violations[0].urn ?? "", /::c1-md-0$/);
    });

    it("finds the control plane by the cluster-name label when there is no Cluster object", async () => {
        const resources = [
            controlPlane({ ...c1, version: "v1.34.2" }),
            machineDeployment({ ...c1, workerVersion: "v1.36.0" }),
        ];
        assertViolations(
            await runStackPolicy(kubernetesVersionSkew, resources),
            /must not be newer/,
        );
    });

    it("reports workers whose control plane is missing", async () => {
        assertViolations(
            await runStackPolicy(kubernetesVersionSkew, [machineDeployment(c1)]),
            /no KubeadmControlPlane for cluster c1/,
        );
    });

    it("reports unknown versions on preview as violations", async () => {
        const cpUnknown = stack("v1.34.2", "v1.34.2");
        cpUnknown[1] = withProps(cpUnknown[1], (p) => (p.spec.version = unknown.string));
        assertViolations(
            await runStackPolicy(kubernetesVersionSkew, cpUnknown),
            /control plane's spec\.version .* not known/,
        );
        const mdUnknown = stack("v1.34.2", "v1.34.2");
        mdUnknown[2] = withProps(
            mdUnknown[2],
            (p) => (p.spec.template.spec.version = unknown.string),
        );
        assertViolations(
            await runStackPolicy(kubernetesVersionSkew, mdUnknown),
            /not known at preview/,
        );
    });

    it("still checks skew when unrelated fields are unknown", async () => {
        const resources = stack("v1.34.2", "v1.35.0").map((r) =>
            withProps(r, (p) => {
                p.metadata.annotations = unknown.object;
                if (p.spec.replicas !== undefined) {
                    p.spec.replicas = unknown.number;
                }
            }),
        );
        assertViolations(
            await runStackPolicy(kubernetesVersionSkew, resources),
            /must not be newer/,
        );
    });
});
