// Pulumi mocks for tests. RecordingMocks records every registration and invoke, answers only
// the invokes a test registered (others throw) and echoes inputs as state; FleetMocks adds the
// vSphere lookups and the computed outputs of our dynamic resources, for whole-program tests.
import * as pulumi from "@pulumi/pulumi";
import { types, vsphereFunctions } from "../../components/constants";

type Inputs = Record<string, unknown>;
export type CallHandler = (inputs: Inputs) => Inputs;

/** The marker the SDK wraps secret values in when they reach the mock monitor. */
export const SECRET_SIG = "4dabf18193072939515e22adb298388d";
export const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";

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

export class RecordingMocks implements pulumi.runtime.Mocks {
    readonly resources: pulumi.runtime.MockResourceArgs[] = [];
    readonly calls: pulumi.runtime.MockCallArgs[] = [];
    /** Dependencies (URNs) of each registered resource, by logical name; filled by installMocks. */
    readonly dependencies = new Map<string, string[]>();
    /** Logical names registered with retainOnDelete; filled by installMocks. */
    readonly retained = new Set<string>();
    /**
     * URN of every registration in order, with the engine's full parent type chain (the mock
     * monitor's own URNs keep only the parent's last type, and it keeps one entry per URN).
     */
    readonly urns: string[] = [];
    private handlers = new Map<string, CallHandler>();

    /** Answers invokes of `token` with `handler`. */
    on(token: string, handler: CallHandler): this {
        this.handlers.set(token, handler);
        return this;
    }

    /** Forgets recorded registrations, invokes and handlers. */
    reset(): void {
        this.resources.length = 0;
        this.calls.length = 0;
        this.dependencies.clear();
        this.retained.clear();
        this.urns.length = 0;
        this.handlers = new Map();
    }

    newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
        this.resources.push(args);
        // `id` is "" (not undefined) for plain registrations: only reads and imports carry one.
        return { id: args.id || `${args.name}-id`, state: { ...args.inputs } };
    }

    call(args: pulumi.runtime.MockCallArgs): Inputs {
        this.calls.push(args);
        const h = this.handlers.get(args.token);
        if (!h) {
            throw new Error(`Mock not implemented: ${args.token}`);
        }
        return h(args.inputs as Inputs);
    }

    callsTo(token: string): pulumi.runtime.MockCallArgs[] {
        return this.calls.filter((c) => c.token === token);
    }

    registered(type: string): pulumi.runtime.MockResourceArgs[] {
        return this.resources.filter((r) => r.type === type);
    }

    /** True when `name` was registered with a dependency on the resource named `on`. */
    dependsOn(name: string, on: string): boolean {
        return (this.dependencies.get(name) ?? []).some((u) => u.endsWith(`::${on}`));
    }
}

export class FleetMocks extends RecordingMocks {
    /** API server URL the readiness resource reports per cluster (as CAPI would write it). */
    serverFor: (cluster: string) => string = (cluster) => `https://${cluster}.invalid:6443`;

    constructor() {
        super();
        for (const [token, handler] of Object.entries(vsphereLookups)) this.on(token, handler);
    }

    newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
        const result = super.newResource(args);
        const state = result.state as Inputs;
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
        return result;
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
    getType(): string;
    getParent(): string;
    getDependenciesList(): string[];
    getRetainondelete(): boolean;
}

/** Installs `mocks` (fresh FleetMocks by default) for project cluster-fleet and returns them. */
export async function installMocks<M extends RecordingMocks = FleetMocks>(
    stack: string,
    preview = false,
    mocks: M = new FleetMocks() as unknown as M,
): Promise<M> {
    await pulumi.runtime.setMocks(mocks, "cluster-fleet", stack, preview);
    // Mocks do not see dependsOn; record it from the registration requests.
    const monitor = pulumi.runtime.getMonitor() as unknown as {
        registerResource(req: RegisterRequest, cb: unknown): Promise<void>;
        newUrn(parent: string, type: string, name: string): string;
    };
    const original = monitor.registerResource.bind(monitor);
    const engineUrns = new Map<string, string>();
    monitor.registerResource = (req, cb) => {
        const parent = engineUrns.get(req.getParent());
        const urn = parent
            ? `${parent.slice(0, parent.lastIndexOf("::"))}$${req.getType()}::${req.getName()}`
            : monitor.newUrn("", req.getType(), req.getName());
        engineUrns.set(monitor.newUrn(req.getParent(), req.getType(), req.getName()), urn);
        mocks.urns.push(urn);
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
    if (Array.isArray(v)) return v.map(unsecret);
    if (v !== null && typeof v === "object") {
        const o = v as Record<string, unknown>;
        if (o[SECRET_SIG] === SECRET_VALUE) return unsecret(o.value);
        return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, unsecret(x)]));
    }
    return v;
}

/** True when the mock input value carries the secret wrapper. */
export function isSecretInput(v: unknown): boolean {
    return (
        v !== null &&
        typeof v === "object" &&
        (v as Record<string, unknown>)[SECRET_SIG] === SECRET_VALUE
    );
}

/** An error as the engine reports a failed invoke: the provider's text in `details`. */
export function providerError(details: string): Error {
    return Object.assign(new Error(details), { details });
}

interface OutputInternals<T> {
    promise(withUnknowns?: boolean): Promise<T>;
    isKnown: Promise<boolean>;
    isSecret: Promise<boolean>;
}

export type Settled<T> = { ok: true; value: T } | { ok: false; error: Error };

/**
 * Awaits an Output, catching every promise it exposes so that a rejected Output does not
 * surface as an unhandled rejection in another test.
 */
export async function settleOutput<T>(o: pulumi.Output<T>): Promise<Settled<T>> {
    const int = o as unknown as OutputInternals<T>;
    const [value] = await Promise.allSettled([int.promise(), int.isKnown, int.isSecret]);
    return value.status === "fulfilled"
        ? { ok: true, value: value.value }
        : { ok: false, error: value.reason as Error };
}

/** The Output's value; fails the test if it rejected. */
export async function valueOf<T>(o: pulumi.Output<T>): Promise<T> {
    const s = await settleOutput(o);
    if (!s.ok) {
        throw s.error;
    }
    return s.value;
}
