// Policy config: the schema's defaults under the per-stack values, checked against the subset of
// JSON Schema the pack uses. The engine fills in defaults and validates too; doing it here as well
// keeps the policies correct when called directly (unit tests) and gives errors that name the fix.
import type { PolicyConfigSchema } from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";

function describe(s: PolicyConfigJSONSchema): string {
    if (s.enum) {
        return `one of ${s.enum.map((v) => JSON.stringify(v)).join(", ")}`;
    }
    if (s.type === "array") {
        const item = s.items as PolicyConfigJSONSchema | undefined;
        return `an array of ${item?.type ?? "values"}s${item?.pattern ? ` matching ${item.pattern}` : ""}`;
    }
    const min = s.minimum === undefined ? "" : ` >= ${s.minimum}`;
    return `${s.type === "integer" ? "an integer" : `a ${String(s.type)}`}${min}`;
}

function valid(s: PolicyConfigJSONSchema, v: unknown): boolean {
    if (s.enum && !s.enum.some((e) => e === v)) {
        return false;
    }
    switch (s.type) {
        case "integer":
            return Number.isInteger(v) && (s.minimum === undefined || (v as number) >= s.minimum);
        case "number":
            return typeof v === "number" && (s.minimum === undefined || v >= s.minimum);
        case "boolean":
            return typeof v === "boolean";
        case "string":
            return typeof v === "string" && (!s.pattern || new RegExp(s.pattern).test(v));
        case "array": {
            const item = s.items as PolicyConfigJSONSchema | undefined;
            return Array.isArray(v) && (!item || v.every((e) => valid(item, e)));
        }
        default:
            return true;
    }
}

/**
 * The policy's effective config: schema defaults overridden by `given` (what `args.getConfig()`
 * returned). Throws an error naming the policy, the property and the expected shape.
 */
export function readConfig<T extends object>(
    policy: string,
    schema: PolicyConfigSchema,
    given: object,
): T {
    const out: Record<string, unknown> = {};
    for (const [key, prop] of Object.entries(schema.properties)) {
        const v = key in given ? (given as Record<string, unknown>)[key] : prop.default;
        if (v === undefined) {
            if (schema.required?.includes(key)) {
                throw new Error(
                    `policy "${policy}": config property "${key}" is required; ` +
                        `set it in policy/config/<stack>.json`,
                );
            }
            continue;
        }
        if (!valid(prop, v)) {
            throw new Error(
                `policy "${policy}": config property "${key}" must be ${describe(prop)}, ` +
                    `got ${JSON.stringify(v)}; fix it in policy/config/<stack>.json`,
            );
        }
        out[key] = v;
    }
    return out as T;
}
