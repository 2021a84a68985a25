// Runs the region program under mocks for a committed stack config (optionally edited) and
// returns what was registered.
import * as pulumi from "@pulumi/pulumi";
import { loadRegion } from "../../components/config/load";
import { Region } from "../../components/region";
import { FleetMocks, installMocks, settle } from "./mocks";
import { engineConfig } from "./regionFixtures";

export const TEST_SECRETS: Record<string, string> = {
    "cluster-fleet:managementKubeconfig": "apiVersion: v1\nkind: Config\nclusters: []\n",
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
    const config = { ...engineConfig(stack), ...(opts.secrets ?? TEST_SECRETS) };
    if (edit) {
        const raw: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(config)) {
            if (k.startsWith("cluster-fleet:")) {
                try {
                    raw[k.slice(14)] = JSON.parse(v);
                } catch {
                    raw[k.slice(14)] = v;
                }
            }
        }
        edit(raw);
        for (const k of Object.keys(config)) if (k.startsWith("cluster-fleet:")) delete config[k];
        for (const [k, v] of Object.entries(raw)) {
            config[`cluster-fleet:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
        }
    }
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
