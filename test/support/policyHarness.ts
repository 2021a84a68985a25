// Runs the policy pack over what a program registered under mocks, the way the engine feeds the
// analyzer: each registration request is recorded (inputs, protect, additionalSecretOutputs,
// customTimeouts, parent) and converted to what the policy server hands to a policy.
//  - Resource policies (Analyze) see the resource's inputs; stack policies (AnalyzeStack) see its
//    outputs, here what the mock returned (pulumi/pulumi step_generator AnalyzeResources).
//  - Properties are marshalled like the engine does for analyzers (KeepUnknowns, KeepSecrets,
//    SkipInternalKeys) and then unwrapped like @pulumi/policy does (proxySecrets=false): "__" keys
//    dropped, secrets unwrapped, resource references downgraded to their ID (or URN), preview
//    unknowns kept as the engine's sentinel.
import * as fs from "node:fs";
import * as path from "node:path";
import {
    PolicyResourceOptions,
    ResourceValidationPolicy,
    StackValidationPolicy,
} from "@pulumi/policy";
import * as pulumi from "@pulumi/pulumi";
import { parseDurationSeconds } from "../../policy/lib/duration";
import { allPolicies } from "../../policy/policies";
import {
    Outcome,
    TestResource,
    runResourcePolicy,
    runStackPolicy,
    unknown,
} from "../../policy/testing";

type Json = Record<string, unknown>;

/** One registration as the engine would present it to the policy pack. */
export interface Registration {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    readonly custom: boolean;
    /** What Analyze (resource policies) sees: the inputs. */
    props: Json;
    /** What AnalyzeStack (stack policies) sees: the outputs the mock returned. */
    outputs: Json;
    opts: Partial<PolicyResourceOptions>;
}

const SIG = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";

/** A wire value as the policy server deserializes it after the engine marshalled it. */
export function analyzerValue(v: unknown): unknown {
    if (Array.isArray(v)) {
        return v.map(analyzerValue);
    }
    if (v === null || typeof v !== "object") {
        return v;
    }
    const o = v as Json;
    if (o[SIG] === SECRET_SIG) {
        return analyzerValue(o.value);
    }
    if (o[SIG] === RESOURCE_SIG) {
        // The engine downgrades references for analyzers: custom resources to their ID.
        return typeof o.id === "string" && o.id !== "" ? o.id : o.urn;
    }
    const out: Json = {};
    for (const [k, x] of Object.entries(o)) {
        if (!k.startsWith("__") && x !== undefined) {
            out[k] = analyzerValue(x);
        }
    }
    return out;
}

interface Struct {
    toJavaScript(): Json;
}

interface RegisterRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getCustom(): boolean;
    getObject(): Struct | undefined;
    hasProtect(): boolean;
    getProtect(): boolean;
    getIgnorechangesList(): string[];
    getAdditionalsecretoutputsList(): string[];
    getAliasurnsList(): string[];
    getDeletebeforereplace(): boolean;
    getDeletebeforereplacedefined(): boolean;
    getCustomtimeouts():
        { getCreate(): string; getUpdate(): string; getDelete(): string } | undefined;
}

interface RegisterResponse {
    getUrn(): string;
    getObject(): Struct | undefined;
}

type Callback = (err: unknown, resp?: RegisterResponse) => void;
type RegisterFn = (this: unknown, req: RegisterRequest, cb: Callback) => Promise<void>;

const seconds = (d: string | undefined) => (d ? (parseDurationSeconds(d) ?? 0) : 0);

function optionsOf(req: RegisterRequest): Partial<PolicyResourceOptions> {
    const t = req.getCustomtimeouts();
    return {
        protect: req.hasProtect() ? req.getProtect() : false,
        ignoreChanges: req.getIgnorechangesList(),
        aliases: req.getAliasurnsList(),
        additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
        customTimeouts: {
            createSeconds: seconds(t?.getCreate()),
            updateSeconds: seconds(t?.getUpdate()),
            deleteSeconds: seconds(t?.getDelete()),
        },
        ...(req.getDeletebeforereplacedefined()
            ? { deleteBeforeReplace: req.getDeletebeforereplace() }
            : {}),
        ...(req.getParent() ? { parent: req.getParent() } : {}),
    };
}

export interface RecordOptions {
    /**
     * Answer every registration the way the engine does on the first preview of a new stack:
     * no ID and no computed outputs, only the inputs echoed back. Everything a provider would
     * compute (IDs, status, our dynamic resources' outputs, generated data) is then unknown.
     * Use it with a mock installed for preview (setMocks(..., preview = true)).
     */
    readonly firstPreview?: boolean;
}

interface MockHost {
    mocks: pulumi.runtime.Mocks;
}

/** Mocks that still record (and validate) each call but answer with the inputs only. */
function inputsOnly(mocks: pulumi.runtime.Mocks): pulumi.runtime.Mocks {
    return {
        call: (args) => mocks.call(args),
        newResource: async (args) => {
            await mocks.newResource(args);
            return { id: undefined, state: args.inputs };
        },
    };
}

/**
 * Records every registration made while `run` executes (under whatever mocks it installs) and
 * waits until each one was answered. The mock monitor's prototype is patched for the duration,
 * so per-instance wrappers (test/support/mocks.ts installMocks) still pass through it.
 */
export async function recordRegistrations<T>(
    run: () => Promise<T>,
    options: RecordOptions = {},
): Promise<{ result: T; registrations: Registration[] }> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { MockMonitor } = require("@pulumi/pulumi/runtime/mocks") as {
        MockMonitor: { prototype: { registerResource: RegisterFn } };
    };
    const original = MockMonitor.prototype.registerResource;
    const registrations: Registration[] = [];
    const pending = new Set<Promise<void>>();
    const wrapped = new WeakSet<object>();
    MockMonitor.prototype.registerResource = function (this: MockHost, req, cb) {
        if (options.firstPreview && !wrapped.has(this)) {
            this.mocks = inputsOnly(this.mocks);
            wrapped.add(this);
        }
        let answered!: () => void;
        const done = new Promise<void>((r) => (answered = r));
        pending.add(done);
        return original.call(this, req, (err, resp) => {
            if (!err && resp) {
                registrations.push({
                    type: req.getType(),
                    name: req.getName(),
                    urn: resp.getUrn(),
                    custom: req.getCustom(),
                    props: analyzerValue(req.getObject()?.toJavaScript() ?? {}) as Json,
                    outputs: analyzerValue(resp.getObject()?.toJavaScript() ?? {}) as Json,
                    opts: optionsOf(req),
                });
            }
            pending.delete(done);
            answered();
            cb(err, resp);
        });
    } as RegisterFn;
    try {
        const result = await run();
        while (pending.size > 0) {
            await Promise.all([...pending]);
        }
        return { result, registrations };
    } finally {
        MockMonitor.prototype.registerResource = original;
    }
}

/** The per-policy config of policy/config/<stack>.json: enforcement level and properties. */
export interface StackPolicyConfig {
    readonly [policy: string]: { readonly enforcementLevel: string } & Json;
}

export function policyConfig(stack: string): StackPolicyConfig {
    const file = path.resolve(__dirname, "..", "..", "policy", "config", `${stack}.json`);
    return JSON.parse(fs.readFileSync(file, "utf8")) as StackPolicyConfig;
}

/** What one policy reported about one resource (or the stack). */
export interface Finding {
    readonly policy: string;
    /** The resource a resource policy ran on; stack policies report the URN in `message`. */
    readonly resource?: string;
    readonly message?: string;
    readonly previewSkipped?: string;
    readonly notApplicable?: string;
}

const isStackPolicy = (p: (typeof allPolicies)[number]): p is StackValidationPolicy =>
    "validateStack" in p;

function findings(policy: string, o: Outcome, resource?: string): Finding[] {
    const at = resource ? { resource } : {};
    return [
        ...o.violations.map((v) => ({
            policy,
            ...at,
            message: v.urn ? `${v.message} [${v.urn}]` : v.message,
        })),
        ...(o.previewSkipped ? [{ policy, ...at, previewSkipped: o.previewSkipped }] : []),
        ...(o.notApplicable ? [{ policy, ...at, notApplicable: o.notApplicable }] : []),
    ];
}

/**
 * Runs every policy of the pack that `config` does not disable: resource policies over each
 * registration's inputs, stack policies over all outputs. Returns everything they reported.
 */
export async function runPack(
    registrations: readonly Registration[],
    config: StackPolicyConfig,
): Promise<Finding[]> {
    const asTest = (r: Registration, props: Json): TestResource => ({
        type: r.type,
        name: r.name,
        props,
        opts: r.opts,
    });
    const out: Finding[] = [];
    for (const p of allPolicies) {
        const { enforcementLevel, ...props } = config[p.name] ?? { enforcementLevel: "mandatory" };
        if (enforcementLevel === "disabled") {
            continue;
        }
        if (isStackPolicy(p)) {
            const all = registrations.map((r) => asTest(r, r.outputs));
            out.push(...findings(p.name, await runStackPolicy(p, all, props)));
            continue;
        }
        for (const r of registrations) {
            const o = await runResourcePolicy(
                p as ResourceValidationPolicy,
                asTest(r, r.props),
                props,
            );
            out.push(...findings(p.name, o, `${r.type}::${r.name}`));
        }
    }
    return out;
}

/** Findings that are violations (not "can't run during preview", not "not applicable"). */
export function violations(fs: readonly Finding[]): Finding[] {
    return fs.filter((f) => f.message !== undefined);
}

/** One line per finding, for assertion messages. */
export function describeFindings(fs: readonly Finding[]): string {
    return fs
        .map(
            (f) =>
                `  ${f.policy}${f.resource ? ` @ ${f.resource}` : ""}: ` +
                (f.message ??
                    (f.previewSkipped
                        ? `(can't run during preview) ${f.previewSkipped}`
                        : `(not applicable) ${f.notApplicable ?? ""}`)),
        )
        .join("\n");
}

const SENTINELS: readonly unknown[] = Object.values(unknown);

/** True when `v` is (or contains) one of the engine's preview-unknown sentinels. */
export function containsUnknown(v: unknown): boolean {
    if (SENTINELS.includes(v)) {
        return true;
    }
    if (Array.isArray(v)) {
        return v.some(containsUnknown);
    }
    return v !== null && typeof v === "object" && Object.values(v).some(containsUnknown);
}
