// Pulumi mocks for component tests: records every registration, answers the vSphere lookups,
// fills computed outputs of our dynamic resources, and fails loudly on any other invoke.
import * as pulumi from "@pulumi/pulumi";
import { types, vsphereFunctions } from "../../components/constants";

type Inputs = Record<string, unknown>;
type CallHandler = (inputs: Inputs) => Inputs;

/** Managed object IDs a small vCenter would return. */
export const vsphereLookups: Record<string, CallHandler> = {
    [vsphereFunctions.getDatacenter]: (i) => ({ id: "datacenter-3", name: i.name }),
    [vsphereFunctions.getComputeCluster]: (i) => ({
        id: "domain-c8",
        name: i.name,
        resourcePoolId: "resgroup-9",
    }),
    [vsphereFunctions.getResourcePool]: (i) => ({ id: "resgroup-10", name: i.name }),
    [vsphereFunctions.getDatastore]: (i) => ({ id: "datastore-11", name: i.name }),
    [vsphereFunctions.getNetwork]: (i) => ({
        id: "dvportgroup-12",
        name: i.name,
        type: "DistributedVirtualPortgroup",
    }),
    [vsphereFunctions.getVirtualMachine]: (i) => ({ id: `vm-${String(i.name)}`, name: i.name }),
    [vsphereFunctions.getFolder]: (i) => ({ id: "group-v14", path: i.path }),
};

/** A fake CA-signed endpoint, for the readiness resource's outputs. */
const FAKE_CA = Buffer.from(
    "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
).toString("base64");

export class FleetMocks implements pulumi.runtime.Mocks {
    readonly resources: pulumi.runtime.MockResourceArgs[] = [];
    /** Dependencies (URNs) of each registered resource, by logical name; filled by installMocks. */
    readonly dependencies = new Map<string, string[]>();
    /** Logical names registered with retainOnDelete; filled by installMocks. */
    readonly retained = new Set<string>();
    readonly calls: pulumi.runtime.MockCallArgs[] = [];
    readonly handlers = new Map<string, CallHandler>(Object.entries(vsphereLookups));
    /** API server URL the readiness resource reports per cluster (as CAPI would write it). */
    serverFor: (cluster: string) => string = (cluster) => `https://${cluster}.invalid:6443`;

    newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
        this.resources.push(args);
        const state: Inputs = { ...args.inputs };
        if (args.type === types.ApiServerReady) {
            state.server = this.serverFor(String((args.inputs as Inputs).clusterName ?? "cluster"));
            state.caData = FAKE_CA;
            state.kubeconfig = "apiVersion: v1\nkind: Config\n";
        }
        if (args.type === types.ArgoCdAppSync) {
            state.syncStatus = "Synced";
            state.healthStatus = "Healthy";
            state.operationPhase = "Succeeded";
        }
        if (
            args.type === types.Secret &&
            (args.inputs as Inputs).type === "kubernetes.io/service-account-token"
        ) {
            state.data = {
                token: Buffer.from("fake-sa-token").toString("base64"),
                "ca.crt": FAKE_CA,
            };
        }
        return { id: args.id || `${args.name}-id`, state };
    }

    call(args: pulumi.runtime.MockCallArgs): Inputs {
        this.calls.push(args);
        const h = this.handlers.get(args.token);
        if (!h) {
            throw new Error(`Mock not implemented: ${args.token}`);
        }
        return h(args.inputs as Inputs);
    }

    /** True when `name` was registered with a dependency on the resource named `on`. */
    dependsOn(name: string, on: string): boolean {
        return (this.dependencies.get(name) ?? []).some((u) => u.endsWith(`::${on}`));
    }

    ofType(type: string): pulumi.runtime.MockResourceArgs[] {
        return this.resources.filter((r) => r.type === type);
    }

    /** The Kubernetes custom resources (CAPI, IPAM, Argo CD) that were registered. */
    customResources(): pulumi.runtime.MockResourceArgs[] {
        return this.resources.filter(
            (r) => r.type.startsWith("kubernetes:") && /\.(x-k8s\.io|argoproj\.io)\//.test(r.type),
        );
    }
}

interface RegisterRequest {
    getName(): string;
    getDependenciesList(): string[];
    getRetainondelete(): boolean;
}

/** Installs fresh mocks and returns them. */
export async function installMocks(stack: string, preview = false): Promise<FleetMocks> {
    const mocks = new FleetMocks();
    await pulumi.runtime.setMocks(mocks, "cluster-fleet", stack, preview);
    // Mocks do not see dependsOn; record it from the registration requests.
    const monitor = pulumi.runtime.getMonitor() as unknown as {
        registerResource(req: RegisterRequest, cb: unknown): Promise<void>;
    };
    const original = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, cb) => {
        mocks.dependencies.set(req.getName(), req.getDependenciesList());
        if (req.getRetainondelete()) mocks.retained.add(req.getName());
        return original(req, cb);
    };
    return mocks;
}

/** Resolves an Output (or plain value) to its value. */
export function unwrap<T>(o: pulumi.Input<T>): Promise<T> {
    return new Promise((resolve) => pulumi.output(o).apply((v) => resolve(v as T)));
}

/** Waits until every resource registration started so far has been answered. */
export async function settle(resources: pulumi.Resource[]): Promise<void> {
    await Promise.all(resources.map((r) => unwrap(r.urn)));
    // Children registered inside apply callbacks land a tick later.
    await new Promise((r) => setTimeout(r, 50));
}

/** Removes the mock secret wrapper (secrets reach newResource wrapped). */
export function unsecret(v: unknown): unknown {
    const SIG = "4dabf18193072939515e22adb298388d";
    if (Array.isArray(v)) return v.map(unsecret);
    if (v !== null && typeof v === "object") {
        const o = v as Record<string, unknown>;
        if (o[SIG] === "1b47061264138c4ac30d75fd1eb44270") return unsecret(o.value);
        return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, unsecret(x)]));
    }
    return v;
}

/** True when the mock input value carries the secret wrapper. */
export function isSecretInput(v: unknown): boolean {
    return (
        v !== null &&
        typeof v === "object" &&
        (v as Record<string, unknown>)["4dabf18193072939515e22adb298388d"] ===
            "1b47061264138c4ac30d75fd1eb44270"
    );
}
