// The vsphere binding's data sources send the provider's tokens, arguments and provider, in
// both the promise and the Output form.
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { vsphereFunctions } from "../../components/constants";
import type * as VsphereModule from "../../components/vsphere";
import {
    resourceOptsDefaults,
    withInvokeDefaults,
    withResourceDefaults,
} from "../../components/vsphere/version";
import { installMocks, RecordingMocks, valueOf } from "../support/mocks";

type PromiseFn = (args?: object, opts?: pulumi.InvokeOptions) => Promise<unknown>;
type OutputFn = (args?: object, opts?: pulumi.InvokeOutputOptions) => pulumi.Output<unknown>;

interface Case {
    readonly fn: keyof typeof vsphereFunctions;
    readonly args: Record<string, unknown>;
    readonly result: Record<string, unknown>;
}

const DC = "datacenter-21";

// One realistic lookup per data source; results shaped like the provider's.
const CASES: readonly Case[] = [
    {
        fn: "getDatacenter",
        args: { name: "dc-eu1" },
        result: { id: DC, name: "dc-eu1", virtualMachines: ["vm-1"] },
    },
    {
        fn: "getComputeCluster",
        args: { name: "compute-eu1", datacenterId: DC },
        result: { id: "domain-c7", name: "compute-eu1", resourcePoolId: "resgroup-8" },
    },
    {
        fn: "getDatastore",
        args: { name: "ds-eu1-01", datacenterId: DC },
        result: { id: "datastore-11", name: "ds-eu1-01" },
    },
    {
        fn: "getNetwork",
        args: {
            name: "pg-k8s-nodes",
            datacenterId: DC,
            filters: [{ networkType: "DistributedVirtualPortgroup" }],
        },
        result: { id: "dvportgroup-13", name: "pg-k8s-nodes", type: "DistributedVirtualPortgroup" },
    },
    {
        fn: "getResourcePool",
        args: { name: "/dc-eu1/host/compute-eu1/Resources/k8s", datacenterId: DC },
        result: { id: "resgroup-9", name: "/dc-eu1/host/compute-eu1/Resources/k8s" },
    },
    {
        fn: "getFolder",
        args: { path: "/dc-eu1/vm/k8s" },
        result: { id: "group-v3", path: "/dc-eu1/vm/k8s" },
    },
    {
        fn: "getVirtualMachine",
        args: { name: "ubuntu-2404-kube-v1.34.2", datacenterId: DC, scsiControllerScanCount: 2 },
        result: {
            id: "4213f1a2-0000-4000-8000-000000000001",
            guestId: "ubuntu64Guest",
            firmware: "efi",
            disks: [{ label: "Hard disk 1", size: 25, thinProvisioned: true, unitNumber: 0 }],
            networkInterfaceTypes: ["vmxnet3"],
        },
    },
];

describe("vsphere binding: functions", function () {
    const mocks = new RecordingMocks();
    let vsphere: typeof VsphereModule;
    let provider: VsphereModule.Provider;

    before(async function () {
        await installMocks("test", false, mocks);
        vsphere = await import("../../components/vsphere");
    });

    beforeEach(async function () {
        mocks.reset();
        for (const c of CASES) {
            mocks.on(vsphereFunctions[c.fn], () => c.result);
        }
        provider = new vsphere.Provider("vc-eu1", { user: "u", password: "p4ssword" });
        await new Promise((res) => provider.urn.apply(res));
    });

    const fn = (name: string) => (vsphere as unknown as Record<string, PromiseFn>)[name];
    const outputFn = (name: string) => (vsphere as unknown as Record<string, OutputFn>)[name];

    const onlyCall = (token: string) => {
        const calls = mocks.callsTo(token);
        assert.equal(calls.length, 1, `one invoke of ${token}, got ${calls.length}`);
        return calls[0];
    };

    for (const c of CASES) {
        const token = vsphereFunctions[c.fn];

        it(`${c.fn} invokes ${token} with its args through the given provider`, async function () {
            const result = await fn(c.fn)(c.args, { provider });
            assert.deepEqual(result, c.result);
            const call = onlyCall(token);
            assert.deepEqual(call.inputs, c.args);
            assert.match(call.provider ?? "", /pulumi:providers:vsphere::vc-eu1::vc-eu1-id$/);
        });

        it(`${c.fn}Output takes Output args and resolves to the result`, async function () {
            // Wrap every argument in an Output, as callers pass earlier lookups' IDs.
            const args = Object.fromEntries(
                Object.entries(c.args).map(([k, v]) => [k, pulumi.output(v)]),
            );
            const result = await valueOf(outputFn(`${c.fn}Output`)(args, { provider }));
            assert.deepEqual(result, c.result);
            const call = onlyCall(token);
            assert.deepEqual(call.inputs, c.args);
            assert.match(call.provider ?? "", /pulumi:providers:vsphere::vc-eu1::/);
        });
    }

    it("sends the pinned plugin version on the wire for invokes and registrations", async function () {
        // The mocks API hides the request's version field: look at the requests themselves.
        type Req = { getTok?: () => string; getType?: () => string; getVersion(): string };
        type Monitor = Record<"invoke" | "registerResource", (req: Req, cb: unknown) => unknown>;
        const monitor = pulumi.runtime.getMonitor() as unknown as Monitor;
        const seen: string[] = [];
        const originals = { invoke: monitor.invoke, registerResource: monitor.registerResource };
        for (const m of ["invoke", "registerResource"] as const) {
            monitor[m] = function (this: unknown, req: Req, cb: unknown) {
                seen.push(`${req.getTok?.() ?? req.getType?.()}@${req.getVersion()}`);
                return originals[m].call(this, req, cb);
            };
        }
        try {
            await vsphere.getFolder({ path: "/dc-eu1/vm/k8s" }, { provider });
            await valueOf(vsphere.getDatastoreOutput({ name: "ds-eu1-01" }, { provider }));
            const f = new vsphere.Folder("f", { path: "k8s/c1", type: "vm" }, { provider });
            const p = new vsphere.Provider("other", { user: "u", password: "p4ssword" });
            await Promise.all([f, p].map((r) => new Promise((res) => r.urn.apply(res))));
        } finally {
            Object.assign(monitor, originals);
        }
        const expected = [
            "pulumi:providers:vsphere@4.17.0",
            `${vsphereFunctions.getDatastore}@4.17.0`,
            `${vsphereFunctions.getFolder}@4.17.0`,
            "vsphere:index/folder:Folder@4.17.0",
        ];
        assert.deepEqual(seen.sort(), expected.sort());
    });

    it("drops arguments that are not given", async function () {
        await vsphere.getDatacenter(undefined, { provider });
        await valueOf(vsphere.getResourcePoolOutput({ name: "pool" }, { provider }));
        assert.deepEqual(onlyCall(vsphereFunctions.getDatacenter).inputs, {});
        assert.deepEqual(onlyCall(vsphereFunctions.getResourcePool).inputs, { name: "pool" });
    });

    it("rejects with the provider's error", async function () {
        mocks.on(vsphereFunctions.getDatastore, () => {
            throw Object.assign(new Error("datastore 'x' not found"), {
                details: "datastore 'x' not found",
            });
        });
        await assert.rejects(
            vsphere.getDatastore({ name: "x", datacenterId: DC }, { provider }),
            /datastore 'x' not found/,
        );
    });
});

describe("vsphere binding: option defaults", function () {
    it("pins the plugin version for resources and invokes, callers may override", function () {
        assert.deepEqual(resourceOptsDefaults(), { version: "4.17.0" });
        assert.equal(withResourceDefaults(undefined).version, "4.17.0");
        assert.equal(withResourceDefaults({ protect: true }).protect, true);
        assert.equal(withResourceDefaults({ version: "4.18.0" }).version, "4.18.0");
        assert.deepEqual(withInvokeDefaults<pulumi.InvokeOptions>(undefined), {
            version: "4.17.0",
        });
        const merged = withInvokeDefaults<pulumi.InvokeOutputOptions>({ async: true });
        assert.equal(merged.version, "4.17.0");
        assert.equal(merged.async, true);
    });
});
