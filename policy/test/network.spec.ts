import * as assert from "node:assert/strict";
import { ipAddressPlan } from "../policies/network";
import { runStackPolicy, unknown } from "../testing";
import { assertPasses, assertViolations } from "./assert";
import { c1, c2, clusterResources, ipPool, vsphereCluster, withProps } from "./fixtures";

const plan = [...clusterResources(c1), ...clusterResources(c2)];
const pool = (c = c1, edit: (spec: Record<string, unknown>) => void = () => undefined) =>
    withProps(ipPool(c), (p) => edit(p.spec));
const vipOf = (c = c1, host: unknown = c.vip) =>
    withProps(vsphereCluster(c), (p) => (p.spec.controlPlaneEndpoint.host = host));

describe("policy ip-address-plan", () => {
    it("passes a region of disjoint pools with VIPs outside them", async () => {
        assertPasses(await runStackPolicy(ipAddressPlan, plan));
        assertPasses(await runStackPolicy(ipAddressPlan, plan, { subnets: ["10.20.0.0/20"] }));
    });

    it("rejects pools that overlap across clusters, naming both and the shared range", async () => {
        const o = await runStackPolicy(ipAddressPlan, [
            pool(c1),
            pool(c2, (s) => (s.addresses = ["10.20.4.60-10.20.4.70"])),
        ]);
        assertViolations(
            o,
            /InClusterIPPool capi-clusters\/c2-nodes \(cluster c2\) overlaps InClusterIPPool capi-clusters\/c1-nodes \(cluster c1\) at 10\.20\.4\.60-10\.20\.4\.62/,
        );
        assert.match(o.violations[0].urn ?? "", /::c2-nodes$/);
    });

    it("handles CIDR and single-address entries, and honours excludedAddresses", async () => {
        const cidr = pool(c2, (s) => (s.addresses = ["10.20.4.0/26"]));
        assertViolations(
            await runStackPolicy(ipAddressPlan, [pool(c1), cidr]),
            /overlaps .* at 10\.20\.4\.2-10\.20\.4\.62/,
        );
        const single = pool(c2, (s) => (s.addresses = ["10.20.4.30"]));
        assertViolations(
            await runStackPolicy(ipAddressPlan, [pool(c1), single]),
            /at 10\.20\.4\.30$|at 10\.20\.4\.30;/,
        );
        const excluded = pool(c1, (s) => (s.excludedAddresses = ["10.20.4.30"]));
        assertPasses(await runStackPolicy(ipAddressPlan, [excluded, single]));
    });

    it("rejects pools outside their own gateway/prefix subnet", async () => {
        const outside = pool(c1, (s) => (s.addresses = ["10.20.16.2-10.20.16.10"]));
        assertViolations(
            await runStackPolicy(ipAddressPlan, [outside]),
            /addresses 10\.20\.16\.2-10\.20\.16\.10 lie outside the pool's own subnet 10\.20\.0\.0\/20/,
        );
    });

    it("rejects pools that disagree on the region subnet, or differ from the configured one", async () => {
        const other = {
            name: "c3",
            vip: "10.30.0.10",
            pool: "10.30.0.20-10.30.0.40",
            gateway: "10.30.0.1",
            prefix: 24,
        };
        assertViolations(
            await runStackPolicy(ipAddressPlan, [pool(c1), ipPool(other)]),
            /Pools disagree on the region subnet: 10\.20\.0\.0\/20 \(.*c1-nodes.*\) vs 10\.30\.0\.0\/24 \(.*c3-nodes/,
        );
        assertViolations(
            await runStackPolicy(ipAddressPlan, [pool(c1)], { subnets: ["10.21.0.0/20"] }),
            /its subnet 10\.20\.0\.0\/20 .* is not the region subnet \(10\.21\.0\.0\/20\)/,
        );
        assertPasses(
            await runStackPolicy(ipAddressPlan, [pool(c1), ipPool(other)], {
                subnets: ["10.20.0.0/20", "10.30.0.0/24"],
            }),
        );
    });

    it("rejects malformed pools", async () => {
        assertViolations(
            await runStackPolicy(ipAddressPlan, [pool(c1, (s) => (s.addresses = ["10.20.4.300"]))]),
            /"10\.20\.4\.300" is not an IPv4 address/,
        );
        assertViolations(
            await runStackPolicy(ipAddressPlan, [pool(c1, (s) => (s.gateway = "fd00::1"))]),
            /spec\.gateway must be an IPv4 address/,
        );
        assertViolations(
            await runStackPolicy(ipAddressPlan, [pool(c1, (s) => (s.addresses = []))]),
            /at least one address/,
        );
    });

    it("rejects a VIP inside any cluster's pool", async () => {
        const o = await runStackPolicy(ipAddressPlan, [
            pool(c1),
            pool(c2),
            vipOf(c2, "10.20.4.10"),
        ]);
        assertViolations(
            o,
            /VSphereCluster capi-clusters\/c2: VIP 10\.20\.4\.10 lies inside InClusterIPPool capi-clusters\/c1-nodes/,
        );
    });

    it("allows a VIP the pool excludes", async () => {
        const excl = pool(c1, (s) => (s.excludedAddresses = ["10.20.4.10"]));
        assertPasses(await runStackPolicy(ipAddressPlan, [excl, vipOf(c1, "10.20.4.10")]));
    });

    it("rejects duplicate VIPs, VIPs outside the subnet, gateways and non-IPv4 hosts", async () => {
        assertViolations(
            await runStackPolicy(ipAddressPlan, [pool(c1), pool(c2), vipOf(c1), vipOf(c2, c1.vip)]),
            /VSphereCluster capi-clusters\/c2: VIP 10\.20\.4\.1 is also the VIP of VSphereCluster capi-clusters\/c1/,
        );
        assertViolations(
            await runStackPolicy(ipAddressPlan, [pool(c1), vipOf(c1, "10.99.0.1")]),
            /VIP 10\.99\.0\.1 is outside the region subnet \(10\.20\.0\.0\/20\)/,
        );
        assertViolations(
            await runStackPolicy(ipAddressPlan, [pool(c1), vipOf(c1, "10.20.0.1")]),
            /VIP 10\.20\.0\.1 is the gateway of InClusterIPPool/,
        );
        assertViolations(
            await runStackPolicy(ipAddressPlan, [pool(c1), vipOf(c1, "10.20.15.255")]),
            /network or broadcast address/,
        );
        assertViolations(
            await runStackPolicy(ipAddressPlan, [pool(c1), vipOf(c1, "api.c1.example.net")]),
            /must be the cluster's IPv4 VIP/,
        );
    });

    it("reports unknown pool addresses and VIPs on preview as violations", async () => {
        assertViolations(
            await runStackPolicy(ipAddressPlan, [
                pool(c1, (s) => (s.addresses = unknown.array)),
                vipOf(c1),
            ]),
            /c1-nodes \(cluster c1\): the pool spec \(\.spec\.addresses\) is not known at preview time/,
        );
        assertViolations(
            await runStackPolicy(ipAddressPlan, [pool(c1), vipOf(c1, unknown.string)]),
            /control-plane VIP .* is not known at preview time/,
        );
    });

    it("still checks the plan when unrelated fields are unknown", async () => {
        const resources = [
            withProps(pool(c1), (p) => (p.metadata.annotations = unknown.object)),
            withProps(vipOf(c2, "10.20.4.5"), (p) => {
                p.spec.thumbprint = unknown.string;
                p.spec.identityRef = unknown.object;
            }),
        ];
        assertViolations(
            await runStackPolicy(ipAddressPlan, resources),
            /VIP 10\.20\.4\.5 lies inside/,
        );
    });

    it("rejects invalid subnets in the policy config", async () => {
        await assert.rejects(
            runStackPolicy(ipAddressPlan, plan, { subnets: ["10.20.0.0/40"] }),
            /"subnets" entry "10\.20\.0\.0\/40" is not a valid CIDR/,
        );
    });
});
