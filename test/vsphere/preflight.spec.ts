// Pre-flight placement lookups: every object the region config names is looked up through the
// region's provider, and a typo fails with the config key, the object and the datacenter.
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { vsphereFunctions as fns } from "../../components/constants";
import { VsphereConfig } from "../../components/config/types";
import type * as VsphereModule from "../../components/vsphere";
import type * as PreflightModule from "../../components/vsphere/preflight";
import { sampleRegion } from "../support/sampleRegion";
import {
    installMocks,
    providerError,
    RecordingMocks,
    settleOutput,
    valueOf,
} from "../support/mocks";

const DC_ID = "datacenter-21";

// IDs the fake vCenter hands out, keyed by token.
const IDS: Record<string, string> = {
    [fns.getDatacenter]: DC_ID,
    [fns.getComputeCluster]: "domain-c7",
    [fns.getResourcePool]: "resgroup-42",
    [fns.getDatastore]: "datastore-11",
    [fns.getNetwork]: "dvportgroup-13",
    [fns.getFolder]: "group-v3",
};

function config(overrides: Partial<VsphereConfig> = {}): VsphereConfig {
    return {
        ...sampleRegion().vsphere,
        templates: {
            "v1.34.2": "ubuntu-2404-kube-v1.34.2",
            "v1.33.6": "ubuntu-2404-kube-v1.33.6",
        },
        ...overrides,
    };
}

describe("vsphere preflight: lookupPlacement", function () {
    const mocks = new RecordingMocks();
    let vsphere: typeof VsphereModule;
    let preflight: typeof PreflightModule;
    let provider: VsphereModule.Provider;
    let parent: pulumi.ComponentResource;

    before(async function () {
        await installMocks("test", false, mocks);
        vsphere = await import("../../components/vsphere");
        preflight = await import("../../components/vsphere/preflight");
    });

    beforeEach(async function () {
        mocks.reset();
        for (const [token, id] of Object.entries(IDS)) {
            mocks.on(token, (inputs) => ({ ...inputs, id }));
        }
        mocks.on(fns.getVirtualMachine, (inputs) => ({
            ...inputs,
            id: `uuid-${String(inputs.name)}`,
            guestId: "ubuntu64Guest",
        }));
        provider = new vsphere.Provider("vc-eu1", { user: "u", password: "p4ssword" });
        parent = new pulumi.ComponentResource("cluster-fleet:index:Region", "eu1");
        await Promise.all([provider, parent].map((r) => new Promise((res) => r.urn.apply(res))));
    });

    const lookup = (cfg: VsphereConfig, versions: readonly string[] = ["v1.34.2"]) =>
        preflight.lookupPlacement(cfg, versions, { provider, parent });

    /** Settles every output of a placement; returns values and errors by field. */
    async function settleAll(p: PreflightModule.Placement) {
        const fields: Record<string, pulumi.Output<string>> = {
            datacenterId: p.datacenterId,
            computeClusterId: p.computeClusterId,
            parentResourcePoolId: p.parentResourcePoolId,
            datastoreId: p.datastoreId,
            networkId: p.networkId,
            parentFolderId: p.parentFolderId,
        };
        for (const [v, o] of Object.entries(p.templateIds)) {
            fields[`template ${v}`] = o;
        }
        const out: Record<string, { value?: string; error?: Error }> = {};
        await Promise.all(
            Object.entries(fields).map(async ([k, o]) => {
                const s = await settleOutput(o);
                out[k] = s.ok ? { value: s.value } : { error: s.error };
            }),
        );
        return out;
    }

    it("resolves every placement ID through the region's provider", async function () {
        const p = lookup(config(), ["v1.34.2", "v1.33.6"]);
        assert.equal(p.parentFolderPath, "k8s");
        assert.deepEqual(Object.keys(p.templateIds).sort(), ["v1.33.6", "v1.34.2"]);
        assert.equal(await valueOf(p.datacenterId), DC_ID);
        assert.equal(await valueOf(p.computeClusterId), "domain-c7");
        assert.equal(await valueOf(p.parentResourcePoolId), "resgroup-42");
        assert.equal(await valueOf(p.datastoreId), "datastore-11");
        assert.equal(await valueOf(p.networkId), "dvportgroup-13");
        assert.equal(await valueOf(p.parentFolderId), "group-v3");
        assert.equal(await valueOf(p.templateIds["v1.34.2"]), "uuid-ubuntu-2404-kube-v1.34.2");
        assert.equal(await valueOf(p.templateIds["v1.33.6"]), "uuid-ubuntu-2404-kube-v1.33.6");
    });

    it("sends each lookup's token and args, scoped to the looked-up datacenter", async function () {
        await settleAll(lookup(config(), ["v1.34.2", "v1.33.6"]));
        const inputsOf = (token: string) => mocks.callsTo(token).map((c) => c.inputs);
        assert.deepEqual(inputsOf(fns.getDatacenter), [{ name: "dc-eu1" }]);
        assert.deepEqual(inputsOf(fns.getComputeCluster), [
            { name: "compute-eu1", datacenterId: DC_ID },
        ]);
        assert.deepEqual(inputsOf(fns.getResourcePool), [
            { name: "/dc-eu1/host/compute-eu1/Resources/k8s", datacenterId: DC_ID },
        ]);
        assert.deepEqual(inputsOf(fns.getDatastore), [{ name: "ds-eu1-01", datacenterId: DC_ID }]);
        assert.deepEqual(inputsOf(fns.getNetwork), [{ name: "pg-k8s-nodes", datacenterId: DC_ID }]);
        assert.deepEqual(inputsOf(fns.getFolder), [{ path: "/dc-eu1/vm/k8s" }]);
        assert.deepEqual(
            inputsOf(fns.getVirtualMachine).sort((a, b) =>
                String(a.name).localeCompare(String(b.name)),
            ),
            [
                { name: "ubuntu-2404-kube-v1.33.6", datacenterId: DC_ID },
                { name: "ubuntu-2404-kube-v1.34.2", datacenterId: DC_ID },
            ],
        );
        assert.equal(mocks.calls.length, 8);
        for (const call of mocks.calls) {
            assert.match(call.provider ?? "", /pulumi:providers:vsphere::vc-eu1::vc-eu1-id$/);
        }
    });

    it("looks each template up once however often its version is asked for", async function () {
        const p = lookup(config(), ["v1.34.2", "v1.34.2"]);
        await settleAll(p);
        assert.deepEqual(Object.keys(p.templateIds), ["v1.34.2"]);
        assert.equal(mocks.callsTo(fns.getVirtualMachine).length, 1);
    });

    it("takes the parent folder relative to the datacenter's VM folder too", async function () {
        const p = lookup(config({ folder: "k8s/eu1" }));
        await settleAll(p);
        assert.equal(p.parentFolderPath, "k8s/eu1");
        assert.deepEqual(mocks.callsTo(fns.getFolder)[0].inputs, { path: "/dc-eu1/vm/k8s/eu1" });
    });

    it("names the config key, object, datacenter and vCenter when a datastore is missing", async function () {
        mocks.on(fns.getDatastore, () => {
            throw providerError("error fetching datastore: datastore 'ds-typo' not found");
        });
        const got = await settleAll(lookup(config({ datastore: "ds-typo" })));
        const err = got.datastoreId.error;
        assert.ok(err, "datastoreId rejects");
        assert.equal(
            err.message,
            'vsphere.datastore "ds-typo" was not found in datacenter "dc-eu1" ' +
                "(vCenter vcenter.eu1.example.net): error fetching datastore: datastore 'ds-typo' not found",
        );
        assert.ok(pulumi.RunError.isInstance(err), "reported without a stack trace");
        // The other lookups are unaffected.
        assert.equal(got.networkId.value, "dvportgroup-13");
        assert.equal(got.computeClusterId.value, "domain-c7");
    });

    for (const [key, token, overrides, field] of [
        [
            "vsphere.computeCluster",
            fns.getComputeCluster,
            { computeCluster: "cl-typo" },
            "computeClusterId",
        ],
        [
            "vsphere.resourcePool",
            fns.getResourcePool,
            { resourcePool: "rp-typo" },
            "parentResourcePoolId",
        ],
        ["vsphere.network", fns.getNetwork, { network: "net-typo" }, "networkId"],
        ["vsphere.folder", fns.getFolder, { folder: "/dc-eu1/vm/typo" }, "parentFolderId"],
        [
            'vsphere.templates["v1.34.2"]',
            fns.getVirtualMachine,
            { templates: { "v1.34.2": "tpl-typo" } },
            "template v1.34.2",
        ],
    ] as const) {
        it(`names ${key} when its object is missing`, async function () {
            mocks.on(token, () => {
                throw providerError("object not found");
            });
            const got = await settleAll(lookup(config(overrides)));
            const value = Object.values(overrides)[0];
            const shown = typeof value === "string" ? value : "tpl-typo";
            assert.equal(
                got[field].error?.message,
                `${key} "${shown}" was not found in datacenter "dc-eu1" ` +
                    "(vCenter vcenter.eu1.example.net): object not found",
            );
            assert.equal(got.datacenterId.value, DC_ID);
        });
    }

    it("fails every lookup with the datacenter's error when the datacenter is missing", async function () {
        mocks.on(fns.getDatacenter, () => {
            throw providerError("datacenter 'dc-typo' not found");
        });
        const got = await settleAll(lookup(config({ datacenter: "dc-typo", folder: "k8s" })));
        const expected =
            'vsphere.datacenter "dc-typo" was not found (vCenter vcenter.eu1.example.net): ' +
            "datacenter 'dc-typo' not found";
        for (const [field, r] of Object.entries(got)) {
            assert.equal(r.error?.message, expected, field);
        }
        assert.deepEqual(
            mocks.calls.map((c) => c.token),
            [fns.getDatacenter],
            "nothing is looked up in a datacenter that does not exist",
        );
    });

    it("says 'could not be looked up' for other failures and redacts secrets", async function () {
        mocks.on(fns.getNetwork, () => {
            throw providerError("session login failed: password=hunter2hunter2 rejected");
        });
        const got = await settleAll(lookup(config()));
        const message = got.networkId.error?.message ?? "";
        assert.match(
            message,
            /^vsphere\.network "pg-k8s-nodes" could not be looked up in datacenter "dc-eu1" \(vCenter vcenter\.eu1\.example\.net\): session login failed/,
        );
        assert.ok(!message.includes("hunter2"), message);
    });

    it("rejects a lookup that returns no ID", async function () {
        mocks.on(fns.getDatastore, () => ({ name: "ds-eu1-01" }));
        const got = await settleAll(lookup(config()));
        assert.match(
            got.datastoreId.error?.message ?? "",
            /vsphere\.datastore "ds-eu1-01".*returned no ID/,
        );
    });

    it("throws at once for a Kubernetes version without a template", function () {
        assert.throws(
            () => lookup(config(), ["v1.35.0"]),
            /vsphere\.templates has no VM template for Kubernetes v1\.35\.0; add "v1\.35\.0": "<template name>" to vsphere\.templates \(have: v1\.33\.6, v1\.34\.2\)/,
        );
        assert.equal(mocks.calls.length, 0);
    });

    it("throws at once for a folder outside the datacenter's VM folder", function () {
        assert.throws(
            () => lookup(config({ folder: "/dc-other/vm/k8s" })),
            /vsphere\.folder "\/dc-other\/vm\/k8s" is not inside the VM folder of datacenter "dc-eu1" \(\/dc-eu1\/vm\)/,
        );
    });
});

describe("vsphere preflight: folder paths", function () {
    let preflight: typeof PreflightModule;

    before(async function () {
        preflight = await import("../../components/vsphere/preflight");
    });

    it("accepts inventory paths and VM-folder-relative paths", function () {
        const cases: [string, string, string, string][] = [
            ["dc1", "/dc1/vm/k8s", "/dc1/vm/k8s", "k8s"],
            ["dc1", "/dc1/vm/k8s/eu1/", "/dc1/vm/k8s/eu1", "k8s/eu1"],
            ["dc1", "/dc1/vm", "/dc1/vm", ""],
            ["dc1", "k8s/eu1", "/dc1/vm/k8s/eu1", "k8s/eu1"],
            ["dc1", "", "/dc1/vm", ""],
            ["/dc1", "/dc1/vm/k8s", "/dc1/vm/k8s", "k8s"],
            ["site/dc1", "/site/dc1/vm/a", "/site/dc1/vm/a", "a"],
        ];
        for (const [dc, folder, absolute, relative] of cases) {
            assert.deepEqual(preflight.vmFolderPaths(dc, folder), { absolute, relative }, folder);
        }
    });

    it("rejects a path in another datacenter or outside the VM folder", function () {
        assert.throws(
            () => preflight.vmFolderPaths("dc1", "/dc2/vm/k8s"),
            /vsphere\.folder "\/dc2\/vm\/k8s"/,
        );
        assert.throws(
            () => preflight.vmFolderPaths("dc1", "/dc1/host/k8s"),
            /not inside the VM folder/,
        );
        assert.throws(() => preflight.vmFolderPaths("dc1", "/dc1/vmx"), /not inside the VM folder/);
    });

    it("joins child folder paths", function () {
        assert.equal(preflight.childFolderPath("k8s", "c1"), "k8s/c1");
        assert.equal(preflight.childFolderPath("", "c1"), "c1");
    });
});
