// Runs the region program under mocks for a committed stack config (optionally edited) and
// returns what was registered.
import * as pulumi from "@pulumi/pulumi";
import { loadRegion } from "../../components/config/load";
import { Region } from "../../components/region";
import { FleetMocks, installMocks, settle } from "./mocks";
import { clone, rawStackConfig, toEngineConfig } from "./regionFixtures";

export const TEST_SECRETS: Record<string, string> = {
    "cluster-fleet:managementKubeconfig": [
        "apiVersion: v1",
        "kind: Config",
        "clusters: [{name: mgmt, cluster: {server: 'https://127.0.0.1:6443'}}]",
        "contexts: [{name: mgmt, context: {cluster: mgmt, user: admin}}]",
        "current-context: mgmt",
        "users: [{name: admin, user: {token: test-token}}]",
        "",
    ].join("\n"),
    "cluster-fleet:vspherePassword": "vc-Pa55w0rd!",
    "cluster-fleet:argocdToken":
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjbHVzdGVyLWZsZWV0In0.c2lnbmF0dXJl",
    "cluster-fleet:routerSshKey":
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk=\n-----END OPENSSH PRIVATE KEY-----\n",
};

export interface Deployed {
    readonly mocks: FleetMocks;
    readonly region: Region;
}

/**
 * Sets the stack's config (secrets marked secret), loads and validates it, builds the Region and
 * waits for every registration. `edit` may change the raw project config first.
 */
export async function deployRegion(
    stack: string,
    edit?: (raw: Record<string, unknown>) => void,
    opts: { preview?: boolean; secrets?: Record<string, string>; plaintext?: string[] } = {},
): Promise<Deployed> {
    const mocks = await installMocks(stack, opts.preview ?? false);
    const raw = clone(rawStackConfig(stack));
    edit?.(raw);
    const config = { ...toEngineConfig(raw), ...(opts.secrets ?? TEST_SECRETS) };
    const secretKeys = Object.keys(opts.secrets ?? TEST_SECRETS).filter(
        (k) => !(opts.plaintext ?? []).includes(k),
    );
    pulumi.runtime.setAllConfig(config, secretKeys);
    const loaded = loadRegion();
    // CAPI writes https://<VIP>:6443 into the kubeconfig; answer the readiness wait the same way.
    mocks.serverFor = (cluster) =>
        `https://${loaded.plan.clusters.find((p) => p.cluster === cluster)?.vip ?? cluster}:6443`;
    const region = new Region(loaded.config.region, { loaded });
    await settle([
        region,
        ...Object.values(region.clusters).flatMap((c) => [
            c.capiCluster,
            c.argo.application,
            ...(c.argo.sync ? [c.argo.sync] : []),
        ]),
    ]);
    return { mocks, region };
}
