// Argument builders and runners for unit-testing policies without the engine. They mirror what the
// policy server (@pulumi/policy 1.21 server.js) hands to a policy: props as plain JSON (undefined
// dropped, secrets unwrapped) behind `unknownCheckingProxy`, resource options with their defaults,
// and config with the schema's defaults under the per-stack values. Outcomes are reported the way
// the server does: an UnknownValueError becomes a "can't run during preview" note (which the
// server reports as advisory), `notApplicable` becomes a reason, violations are collected.
import {
    PolicyConfigSchema,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
    unknownCheckingProxy as untypedProxy,
} from "@pulumi/policy";
import { isUnknownValueError } from "./lib/known";

// @pulumi/policy ships these without declarations (stripInternal); type them here.
const unknownCheckingProxy = untypedProxy as <T>(props: T) => T;
// The exact sentinels the engine sends for preview unknowns.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const proxyModule = require("@pulumi/policy/proxy") as Record<string, string>;

/** Values that stand for "unknown during preview", as the engine serializes them. */
export const unknown = {
    string: proxyModule.unknownStringValue,
    number: proxyModule.unknownNumberValue,
    boolean: proxyModule.unknownBooleanValue,
    array: proxyModule.unknownArrayValue,
    object: proxyModule.unknownObjectValue,
} as const;

/** A resource as a test describes it; everything but type and props has a default. */
export interface TestResource {
    readonly type: string;
    readonly props: object;
    readonly name?: string;
    readonly opts?: Partial<PolicyResourceOptions>;
}

export type PolicyConfigValues = Record<string, unknown>;

/** What running a policy produced, in the server's terms. */
export interface Outcome {
    readonly violations: readonly { readonly message: string; readonly urn?: string }[];
    /** Set when the policy called `notApplicable(reason)`. */
    readonly notApplicable?: string;
    /** Set when the policy touched an unknown value: the server reports this as advisory. */
    readonly previewSkipped?: string;
}

export class NotApplicableError extends Error {
    constructor(public readonly reason: string) {
        super(reason);
    }
}

export function urnOf(type: string, name: string): string {
    return `urn:pulumi:stack::cluster-fleet::${type}::${name}`;
}

function options(opts: Partial<PolicyResourceOptions> = {}): PolicyResourceOptions {
    return {
        protect: false,
        ignoreChanges: [],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
        ...opts,
    };
}

/** Props as the server deserializes them: JSON only, then wrapped in the unknown-checking proxy. */
function runtimeProps(props: object): Record<string, unknown> {
    return unknownCheckingProxy(JSON.parse(JSON.stringify(props)) as Record<string, unknown>);
}

/** The engine's reconciliation: schema defaults, then the given per-stack values. */
export function effectiveConfig(
    schema: PolicyConfigSchema | undefined,
    given: PolicyConfigValues = {},
): PolicyConfigValues {
    const defaults: PolicyConfigValues = {};
    for (const [k, v] of Object.entries(schema?.properties ?? {})) {
        if (v.default !== undefined) {
            defaults[k] = v.default;
        }
    }
    return { ...defaults, ...given };
}

function typeMatcher(type: string) {
    return (cls: unknown) => (cls as { __pulumiType?: string }).__pulumiType === type;
}

function throwNotApplicable(reason?: string): never {
    throw new NotApplicableError(reason ?? "Policy does not apply");
}

/** The fields resource and stack validation args share, as the server builds them. */
function resourceCore(r: TestResource, name: string) {
    const props = runtimeProps(r.props);
    const isType = typeMatcher(r.type);
    return {
        type: r.type,
        props,
        urn: urnOf(r.type, name),
        name,
        opts: options(r.opts),
        isType,
        asType: ((cls: unknown) =>
            isType(cls) ? props : undefined) as ResourceValidationArgs["asType"],
    };
}

/** ResourceValidationArgs as the server builds them. */
export function resourceArgs(
    r: TestResource,
    config: PolicyConfigValues = {},
): ResourceValidationArgs {
    return {
        ...resourceCore(r, r.name ?? "test"),
        stackTags: new Map(),
        getConfig: <T extends object>() => config as T,
        notApplicable: throwNotApplicable,
    };
}

/** StackValidationArgs as the server builds them (no parents or dependencies). */
export function stackArgs(
    resources: readonly TestResource[],
    config: PolicyConfigValues = {},
): StackValidationArgs {
    return {
        resources: resources.map((r, i): PolicyResource => ({
            ...resourceCore(r, r.name ?? `r${i}`),
            dependencies: [],
            propertyDependencies: {},
        })),
        stackTags: new Map(),
        getConfig: <T extends object>() => config as T,
        notApplicable: throwNotApplicable,
    };
}

async function collect(run: (report: (m: string, urn?: string) => void) => Promise<void>) {
    const violations: { message: string; urn?: string }[] = [];
    try {
        await run((message, urn) => violations.push(urn ? { message, urn } : { message }));
    } catch (e) {
        if (isUnknownValueError(e)) {
            return { violations, previewSkipped: e.message };
        }
        if (e instanceof NotApplicableError) {
            return { violations, notApplicable: e.reason };
        }
        throw e;
    }
    return { violations };
}

/** Runs every validation of a resource policy against one resource, like the server does. */
export async function runResourcePolicy(
    policy: ResourceValidationPolicy,
    resource: TestResource,
    config: PolicyConfigValues = {},
): Promise<Outcome> {
    const validations = policy.validateResource
        ? ([] as NonNullable<ResourceValidationPolicy["validateResource"]>[])
              .concat(policy.validateResource)
              .flat()
        : [];
    const args = resourceArgs(resource, effectiveConfig(policy.configSchema, config));
    return collect(async (report) => {
        for (const v of validations) {
            await v(args, report);
        }
    });
}

/** Runs a stack policy against a set of resources, like the server does. */
export async function runStackPolicy(
    policy: StackValidationPolicy,
    resources: readonly TestResource[],
    config: PolicyConfigValues = {},
): Promise<Outcome> {
    const args = stackArgs(resources, effectiveConfig(policy.configSchema, config));
    return collect(async (report) => policy.validateStack(args, report));
}

/** Messages of an outcome's violations, for compact assertions. */
export function messages(o: Outcome): string[] {
    return o.violations.map((v) => v.message);
}
