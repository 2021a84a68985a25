import { controlPlaneMachineSize, machineStaticAddressing } from "../policies/machines";
import { labels } from "../../components/constants";
import { runResourcePolicy, unknown } from "../testing";
import { assertPasses, assertViolations } from "./assert";
import { c1, controlPlane, machineTemplate, withProps } from "./fixtures";

const cp = machineTemplate(c1, "control-plane");
const worker = machineTemplate(c1, "worker");
const device = (edit: (d: Record<string, unknown>) => void) =>
    withProps(cp, (p) => edit(p.spec.template.spec.network.devices[0]));

describe("policy machine-static-addressing", () => {
    it("passes templates with DHCP off and addresses from a pool", async () => {
        assertPasses(await runResourcePolicy(machineStaticAddressing, cp));
        assertPasses(await runResourcePolicy(machineStaticAddressing, worker));
    });

    it("rejects DHCP, fixed addresses, skipped allocation and missing pools", async () => {
        const run = (edit: (d: Record<string, unknown>) => void) =>
            runResourcePolicy(machineStaticAddressing, device(edit));
        assertViolations(await run((d) => (d.dhcp4 = true)), /dhcp4 must be false/);
        assertViolations(await run((d) => delete d.dhcp4), /dhcp4 must be false/);
        assertViolations(await run((d) => (d.dhcp6 = true)), /dhcp6 must not be true/);
        assertViolations(await run((d) => (d.skipIPAllocation = true)), /skipIPAllocation/);
        assertViolations(await run((d) => (d.ipAddrs = ["10.20.4.9/20"])), /ipAddrs must be empty/);
        assertViolations(
            await run((d) => (d.addressesFromPools = [])),
            /must reference an InClusterIPPool/,
        );
        assertViolations(
            await run(
                (d) => (d.addressesFromPools = [{ apiGroup: "x", kind: "IPPool", name: "p" }]),
            ),
            /addressesFromPools\[0\] must be \{apiGroup: ipam\.cluster\.x-k8s\.io/,
        );
        assertViolations(
            await run(
                (d) =>
                    (d.addressesFromPools = [
                        { apiGroup: "ipam.cluster.x-k8s.io", kind: "InClusterIPPool" },
                    ]),
            ),
            /\.name must name the pool/,
        );
    });

    it("requires at least one device", async () => {
        const r = withProps(cp, (p) => (p.spec.template.spec.network.devices = []));
        assertViolations(
            await runResourcePolicy(machineStaticAddressing, r),
            /at least one device/,
        );
    });

    it("reports unknown devices or pool names on preview as violations", async () => {
        const devices = withProps(
            cp,
            (p) => (p.spec.template.spec.network.devices = unknown.array),
        );
        assertViolations(
            await runResourcePolicy(machineStaticAddressing, devices),
            /network devices .* is not known at preview time/,
        );
        const pool = device(
            (d) => ((d.addressesFromPools as { name: string }[])[0].name = unknown.string),
        );
        assertViolations(
            await runResourcePolicy(machineStaticAddressing, pool),
            /devices\[0\] \(\.spec\.template\.spec\.network\.devices\.0\.addressesFromPools\.0\.name\) is not known/,
        );
    });

    it("still checks known devices when unrelated fields are unknown", async () => {
        const r = device((d) => {
            d.dhcp4 = true;
            d.nameservers = unknown.array;
        });
        const withUnknownTemplate = withProps(
            r,
            (p) => (p.spec.template.spec.template = unknown.string),
        );
        assertViolations(
            await runResourcePolicy(machineStaticAddressing, withUnknownTemplate),
            /dhcp4/,
        );
    });

    it("ignores other kinds", async () => {
        assertPasses(await runResourcePolicy(machineStaticAddressing, controlPlane(c1)));
    });
});

describe("policy control-plane-machine-size", () => {
    const sized = (numCPUs: unknown, memoryMiB: unknown) =>
        withProps(cp, (p) => Object.assign(p.spec.template.spec, { numCPUs, memoryMiB }));

    it("passes control planes at or above the minimum", async () => {
        assertPasses(await runResourcePolicy(controlPlaneMachineSize, sized(2, 4096)));
        assertPasses(await runResourcePolicy(controlPlaneMachineSize, cp));
    });

    it("rejects small control planes, with configurable minimums", async () => {
        assertViolations(
            await runResourcePolicy(controlPlaneMachineSize, sized(1, 4096)),
            /numCPUs is 1/,
        );
        assertViolations(
            await runResourcePolicy(controlPlaneMachineSize, sized(2, 2048)),
            /memoryMiB is 2048.*at least 4096/,
        );
        assertViolations(
            await runResourcePolicy(controlPlaneMachineSize, cp, {
                minCpus: 8,
                minMemoryMiB: 16384,
            }),
            /at least 8/,
            /at least 16384/,
        );
    });

    it("does not apply the minimum to workers", async () => {
        const small = withProps(worker, (p) =>
            Object.assign(p.spec.template.spec, { numCPUs: 1, memoryMiB: 1024 }),
        );
        assertPasses(await runResourcePolicy(controlPlaneMachineSize, small));
    });

    it("requires a known role label", async () => {
        const none = withProps(cp, (p) => delete p.metadata.labels[labels.role]);
        assertViolations(
            await runResourcePolicy(controlPlaneMachineSize, none),
            /label cluster-fleet\/role must be one of/,
        );
        const odd = withProps(cp, (p) => (p.metadata.labels[labels.role] = "etcd"));
        assertViolations(await runResourcePolicy(controlPlaneMachineSize, odd), /must be one of/);
        const unk = withProps(cp, (p) => (p.metadata.labels = unknown.object));
        assertViolations(
            await runResourcePolicy(controlPlaneMachineSize, unk),
            /not known at preview/,
        );
    });

    it("reports an unknown size on preview, and ignores unrelated unknowns", async () => {
        assertViolations(
            await runResourcePolicy(controlPlaneMachineSize, sized(unknown.number, 4096)),
            /machine size \(\.spec\.template\.spec\.numCPUs\) is not known/,
        );
        const r = withProps(sized(1, 4096), (p) => (p.spec.template.spec.network = unknown.object));
        assertViolations(await runResourcePolicy(controlPlaneMachineSize, r), /numCPUs is 1/);
    });
});
