// The vsphere binding's resources register with the provider's tokens, inputs and pinned version.
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { types } from "../../components/constants";
import type * as VsphereModule from "../../components/vsphere";
import { VSPHERE_PROVIDER_VERSION } from "../../components/vsphere/version";
import { installMocks, RecordingMocks, SECRET_SIG, SECRET_VALUE } from "../support/mocks";

describe("vsphere binding: resources", function () {
    const mocks = new RecordingMocks();
    let vsphere: typeof VsphereModule;

    before(async function () {
        await installMocks("test", false, mocks);
        vsphere = await import("../../components/vsphere");
    });

    beforeEach(function () {
        mocks.reset();
    });

    const only = (type: string) => {
        const found = mocks.registered(type);
        assert.equal(found.length, 1, `one ${type} registered, got ${found.length}`);
        return found[0];
    };
    // Outputs are not thenable: wait on the URN, which resolves after the mock's newResource.
    const registered = (r: pulumi.Resource) => new Promise((res) => r.urn.apply(res));
    const versionOf = (r: pulumi.Resource) => (r as unknown as { __version?: string }).__version;

    describe("Provider", function () {
        it("registers pulumi:providers:vsphere with the pinned plugin version", async function () {
            const p = new vsphere.Provider("vc-eu1", {
                user: "svc-capv@vsphere.local",
                password: "s3cret-Passw0rd",
                vsphereServer: "vcenter.eu1.example.net",
            });
            await registered(p);
            const r = only(types.VsphereProvider);
            assert.equal(r.name, "vc-eu1");
            assert.equal(r.inputs.user, "svc-capv@vsphere.local");
            assert.equal(r.inputs.vsphereServer, "vcenter.eu1.example.net");
            assert.equal(versionOf(p), VSPHERE_PROVIDER_VERSION);
            assert.equal(VSPHERE_PROVIDER_VERSION, "4.17.0");
            assert.ok(vsphere.Provider.isInstance(p));
            assert.ok(!vsphere.Folder.isInstance(p));
        });

        it("sends the password as a secret, also when given as a plain Output", async function () {
            for (const [name, password] of [
                ["plain", "s3cret-Passw0rd"],
                ["output", pulumi.output("s3cret-Passw0rd")],
            ] as const) {
                mocks.reset();
                const p = new vsphere.Provider(name, { user: "u", password });
                await registered(p);
                const pw = only(types.VsphereProvider).inputs.password;
                assert.deepEqual(pw, { [SECRET_SIG]: SECRET_VALUE, value: "s3cret-Passw0rd" });
                assert.equal(typeof pw, "object", "password is never a plain string input");
            }
        });

        it("keeps TLS verification on unless allowUnverifiedSsl is set explicitly", async function () {
            const verified = new vsphere.Provider("verified", { user: "u", password: "p4ssword" });
            await registered(verified);
            assert.equal(only(types.VsphereProvider).inputs.allowUnverifiedSsl, "false");

            mocks.reset();
            const lab = new vsphere.Provider("lab", {
                user: "u",
                password: "p4ssword",
                allowUnverifiedSsl: true,
                apiTimeout: 10,
            });
            await registered(lab);
            const r = only(types.VsphereProvider);
            assert.equal(r.inputs.allowUnverifiedSsl, "true");
            assert.equal(r.inputs.apiTimeout, "10", "non-string config is JSON-encoded");
        });

        it("names the missing required property", function () {
            assert.throws(
                () => new vsphere.Provider("x", { user: "u" } as VsphereModule.ProviderArgs),
                /Missing required property 'password'/,
            );
            assert.throws(
                () => new vsphere.Provider("x", { password: "p" } as VsphereModule.ProviderArgs),
                /Missing required property 'user'/,
            );
        });
    });

    describe("Folder", function () {
        it("registers vsphere:index/folder:Folder with its inputs and provider", async function () {
            const provider = new vsphere.Provider("vc", { user: "u", password: "p4ssword" });
            const f = new vsphere.Folder(
                "c1-folder",
                { path: "k8s/c1", type: "vm", datacenterId: "datacenter-21", tags: ["tag-1"] },
                { provider },
            );
            await registered(f);
            const r = only(types.VsphereFolder);
            assert.equal(vsphere.Folder.__pulumiType, "vsphere:index/folder:Folder");
            assert.deepEqual(r.inputs, {
                path: "k8s/c1",
                type: "vm",
                datacenterId: "datacenter-21",
                tags: ["tag-1"],
            });
            assert.equal(r.custom, true);
            assert.match(r.provider ?? "", /pulumi:providers:vsphere::vc::/);
            assert.equal(versionOf(f), "4.17.0");
            assert.ok(vsphere.Folder.isInstance(f));
            assert.equal(await new Promise((res) => f.path.apply(res)), "k8s/c1");
        });

        it("names the missing required property", function () {
            assert.throws(
                () => new vsphere.Folder("f", { type: "vm" } as VsphereModule.FolderArgs),
                /Missing required property 'path'/,
            );
            assert.throws(
                () => new vsphere.Folder("f", { path: "a" } as VsphereModule.FolderArgs),
                /Missing required property 'type'/,
            );
        });

        it("reads an existing folder with get()", async function () {
            const f = vsphere.Folder.get("existing", "group-v42");
            await registered(f);
            const r = only(types.VsphereFolder);
            assert.equal(r.id, "group-v42");
            assert.equal(await new Promise((res) => f.id.apply(res)), "group-v42");
        });
    });

    describe("ResourcePool", function () {
        it("registers vsphere:index/resourcePool:ResourcePool with its inputs", async function () {
            const pool = new vsphere.ResourcePool("c1-pool", {
                parentResourcePoolId: "resgroup-8",
                name: "c1",
                cpuShareLevel: "normal",
                memoryReservation: 4096,
                scaleDescendantsShares: "disabled",
                tags: ["tag-1"],
            });
            await registered(pool);
            const r = only(types.VsphereResourcePool);
            assert.deepEqual(r.inputs, {
                parentResourcePoolId: "resgroup-8",
                name: "c1",
                cpuShareLevel: "normal",
                memoryReservation: 4096,
                scaleDescendantsShares: "disabled",
                tags: ["tag-1"],
            });
            assert.equal(versionOf(pool), "4.17.0");
            assert.ok(vsphere.ResourcePool.isInstance(pool));
        });

        it("names the missing required property", function () {
            assert.throws(
                () =>
                    new vsphere.ResourcePool("p", { name: "c1" } as VsphereModule.ResourcePoolArgs),
                /Missing required property 'parentResourcePoolId'/,
            );
        });
    });

    describe("TagCategory and Tag", function () {
        it("register their tokens with inputs, the tag pointing at the category", async function () {
            const cat = new vsphere.TagCategory("k8s-cluster", {
                name: "k8s-cluster",
                cardinality: "SINGLE",
                associableTypes: ["VirtualMachine", "ResourcePool", "Folder"],
                description: "Cluster a VM belongs to",
            });
            const tag = new vsphere.Tag("c1", { name: "c1", categoryId: cat.id });
            await Promise.all([registered(cat), registered(tag)]);
            await new Promise((res) => tag.id.apply(res));
            assert.deepEqual(only(types.VsphereTagCategory).inputs, {
                name: "k8s-cluster",
                cardinality: "SINGLE",
                associableTypes: ["VirtualMachine", "ResourcePool", "Folder"],
                description: "Cluster a VM belongs to",
            });
            assert.deepEqual(only(types.VsphereTag).inputs, {
                name: "c1",
                categoryId: "k8s-cluster-id",
            });
            assert.equal(versionOf(cat), "4.17.0");
            assert.equal(versionOf(tag), "4.17.0");
            assert.ok(vsphere.TagCategory.isInstance(cat) && vsphere.Tag.isInstance(tag));
        });

        it("name the missing required property", function () {
            assert.throws(
                () =>
                    new vsphere.TagCategory("c", {
                        cardinality: "SINGLE",
                    } as VsphereModule.TagCategoryArgs),
                /Missing required property 'associableTypes'/,
            );
            assert.throws(
                () =>
                    new vsphere.TagCategory("c", {
                        associableTypes: ["VirtualMachine"],
                    } as VsphereModule.TagCategoryArgs),
                /Missing required property 'cardinality'/,
            );
            assert.throws(
                () => new vsphere.Tag("t", { name: "t" } as VsphereModule.TagArgs),
                /Missing required property 'categoryId'/,
            );
        });
    });
});
