// The shape of a program's registrations, recorded from the mock monitor and replayed by the floor:
// the same resources (types, names, component/custom/provider), parents, providers, dependencies,
// options, inputs (secrets stay secret) and invokes, without any of the program's own logic.
import * as pulumi from "@pulumi/pulumi";
import { RecordingMocks, SECRET_SIG, SECRET_VALUE } from "../test/support/mocks";

type Kind = "component" | "custom" | "provider";

export interface ShapeResource {
    readonly type: string;
    readonly name: string;
    readonly kind: Kind;
    readonly parent: number;
    readonly provider: number;
    readonly deps: readonly number[];
    readonly inputs: Record<string, unknown>;
    readonly protect: boolean;
    readonly retainOnDelete: boolean;
    readonly ignoreChanges: readonly string[];
    readonly additionalSecretOutputs: readonly string[];
}

export interface Shape {
    readonly resources: ShapeResource[];
    readonly invokes: { token: string; inputs: Record<string, unknown> }[];
    /** Long strings (serialized closures, manifests) stored once, referenced as "\u0000<n>". */
    readonly strings: string[];
}

interface Struct {
    toJavaScript(): Record<string, unknown>;
}

interface RegisterRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getCustom(): boolean;
    getProvider(): string;
    getDependenciesList(): string[];
    getObject(): Struct | undefined;
    getProtect(): boolean;
    getRetainondelete(): boolean;
    getIgnorechangesList(): string[];
    getAdditionalsecretoutputsList(): string[];
}

type Callback = (err: unknown, resp?: { getUrn(): string }) => void;

const LONG = 256;

/** Long strings (kubeconfigs, manifests, provider code) stored once and referenced by index. */
function interner(): { strings: string[]; intern: (v: unknown) => unknown } {
    const strings: string[] = [];
    const interned = new Map<string, number>();
    const intern = (v: unknown): unknown => {
        if (typeof v === "string" && v.length >= LONG) {
            let i = interned.get(v);
            if (i === undefined) interned.set(v, (i = strings.push(v) - 1));
            return `\u0000${i}`;
        }
        if (Array.isArray(v)) return v.map(intern);
        if (v !== null && typeof v === "object") {
            return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, intern(x)]));
        }
        return v;
    };
    return { strings, intern };
}

/** One registration as the floor replays it; references are indexes of earlier registrations. */
function shapeOf(
    req: RegisterRequest,
    intern: (v: unknown) => unknown,
    index: (urn: string) => number,
): ShapeResource {
    const type = req.getType();
    return {
        type,
        name: req.getName(),
        kind: type.startsWith("pulumi:providers:")
            ? "provider"
            : req.getCustom()
              ? "custom"
              : "component",
        parent: index(req.getParent()),
        provider: index(req.getProvider()),
        deps: req.getDependenciesList().map(index),
        inputs: intern(req.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>,
        protect: req.getProtect(),
        retainOnDelete: req.getRetainondelete(),
        ignoreChanges: req.getIgnorechangesList(),
        additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
    };
}

/** Starts recording every registration that reaches the mock monitor. Call after installMocks. */
export function recordShape(mocks: RecordingMocks): () => Shape {
    const resources: ShapeResource[] = [];
    const byUrn = new Map<string, number>();
    const { strings, intern } = interner();
    const index = (urn: string) =>
        urn ? (byUrn.get(urn.split("::").slice(0, 4).join("::")) ?? -1) : -1;
    const monitor = pulumi.runtime.getMonitor() as unknown as {
        registerResource(req: RegisterRequest, cb: Callback): Promise<void>;
    };
    const original = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, cb) => {
        const i = resources.push(shapeOf(req, intern, index)) - 1;
        return original(req, (err, resp) => {
            if (resp) byUrn.set(resp.getUrn(), i);
            cb(err, resp);
        });
    };
    return () => ({
        resources,
        invokes: mocks.calls.map((c) => ({
            token: c.token,
            inputs: intern(c.inputs) as Record<string, unknown>,
        })),
        strings,
    });
}

/** Turns recorded wire values back into inputs: secrets become pulumi.secret again. */
function revive(v: unknown, strings: readonly string[]): unknown {
    if (typeof v === "string" && v.startsWith("\u0000")) return strings[Number(v.slice(1))];
    if (Array.isArray(v)) return v.map((x) => revive(x, strings));
    if (v !== null && typeof v === "object") {
        const o = v as Record<string, unknown>;
        if (o[SECRET_SIG] === SECRET_VALUE) return pulumi.secret(revive(o.value, strings));
        return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, revive(x, strings)]));
    }
    return v;
}

class FloorComponent extends pulumi.ComponentResource {
    constructor(type: string, name: string, opts: pulumi.ComponentResourceOptions) {
        super(type, name, {}, opts);
        this.registerOutputs({});
    }
}

class FloorCustom extends pulumi.CustomResource {}
class FloorProvider extends pulumi.ProviderResource {}

/** Registers the recorded shape again, in registration order; returns every resource. */
export function replayShape(shape: Shape): pulumi.Resource[] {
    const made: pulumi.Resource[] = [];
    for (const r of shape.resources) {
        const opts: pulumi.CustomResourceOptions = {
            parent: r.parent >= 0 ? made[r.parent] : undefined,
            dependsOn: r.deps.filter((d) => d >= 0).map((d) => made[d]),
            protect: r.protect || undefined,
            retainOnDelete: r.retainOnDelete || undefined,
            ignoreChanges: r.ignoreChanges.length > 0 ? [...r.ignoreChanges] : undefined,
            additionalSecretOutputs:
                r.additionalSecretOutputs.length > 0 ? [...r.additionalSecretOutputs] : undefined,
        };
        if (r.provider >= 0) opts.provider = made[r.provider] as pulumi.ProviderResource;
        const inputs = revive(r.inputs, shape.strings) as pulumi.Inputs;
        if (r.kind === "component") {
            made.push(new FloorComponent(r.type, r.name, opts));
        } else if (r.kind === "provider") {
            const pkg = r.type.slice("pulumi:providers:".length);
            made.push(new FloorProvider(pkg, r.name, inputs, opts));
        } else {
            made.push(new FloorCustom(r.type, r.name, inputs, opts));
        }
    }
    for (const c of shape.invokes) {
        void pulumi.runtime.invoke(c.token, revive(c.inputs, shape.strings) as pulumi.Inputs);
    }
    return made;
}
