// The config check for colliding names is only as good as its list of derived names: this spec
// runs the whole program under mocks and compares that list with what is really registered.
import * as assert from "node:assert/strict";
import { generatedNames } from "../../components/config/generatedNames";
import { parseRegionConfig } from "../../components/config/parse";
import { kinds, types } from "../../components/constants";
import { deployRegion } from "../support/deployRegion";
import { unsecret } from "../support/mocks";
import { rawStackConfig } from "../support/regionFixtures";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const HASHED = new Set<string>([kinds.VSphereMachineTemplate, kinds.KubeadmConfigTemplate]);

for (const stack of ["dev", "prod"]) {
    describe(`generated names (${stack} stack)`, function () {
        this.timeout(60000);

        it("lists exactly the Pulumi resources and management-cluster objects the program registers", async () => {
            const { config } = parseRegionConfig(rawStackConfig(stack));
            const listed = config.clusters.flatMap((cl, i) =>
                generatedNames({
                    cluster: cl,
                    path: `clusters[${i}]`,
                    managementNamespace: config.management.namespace,
                    argocdNamespace: config.argocd.namespace,
                    sshRouters: config.bgp.routers.filter((r) => r.ssh).map((r) => r.name),
                    manageSync: config.argocd.manageSync,
                    manageInventory: config.vsphere.manageInventory,
                }),
            );
            const key = (scope: string, name: string) => `${scope} :: ${name}`;
            const listedKeys = new Set(listed.map((g) => key(g.scope, g.name)));

            const { mocks } = await deployRegion(stack);
            // URNs below the WorkloadClusters, as "Pulumi resource <type chain below Region>".
            const registered = mocks.urns
                .map((u) => /^urn:pulumi:[^:]+::[^:]+::(.+)::([^:]+)$/.exec(u)!)
                .filter((m) => m[1].includes(types.WorkloadCluster))
                .map((m) => key(`Pulumi resource ${m[1].replace(`${types.Region}$`, "")}`, m[2]));
            assert.equal(new Set(registered).size, registered.length, "duplicate URNs");
            assert.deepEqual(
                registered.filter((k) => !listedKeys.has(k)),
                [],
                "registered but not listed",
            );
            const pulumiListed = [...listedKeys].filter((k) => k.startsWith("Pulumi resource"));
            assert.deepEqual(
                pulumiListed.filter((k) => !registered.includes(k)),
                [],
                "listed but not registered",
            );

            // Objects created in the management cluster, by kind and namespace.
            const mgmt = `::${config.region}-management::`;
            const objects = mocks.resources
                .filter((r) => r.provider?.includes(mgmt) && r.type !== types.Namespace)
                .map((r) => unsecret(r.inputs) as Obj)
                .map((o) => {
                    const kind = o.kind ?? "Secret";
                    const name = HASHED.has(kind)
                        ? String(o.metadata.name).replace(/-[0-9a-f]{8}$/, "-<spec hash>")
                        : o.metadata.name;
                    return key(`${kind} in namespace ${o.metadata.namespace}`, name);
                });
            assert.ok(objects.length > 10);
            assert.deepEqual(
                objects.filter((k) => !listedKeys.has(k)),
                [],
                "object names not listed",
            );
        });
    });
}
