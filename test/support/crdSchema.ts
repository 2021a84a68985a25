// Validates objects against a CRD's openAPIV3Schema with ajv, strictly: unknown fields are errors.
//
// Kubernetes structural schemas don't say `additionalProperties: false`; the API server prunes
// unknown fields silently instead, which hides typos. So every object schema that lists
// `properties` (and doesn't preserve unknown fields) gets `additionalProperties: false` here.
// Kubernetes extensions are translated:
//   x-kubernetes-int-or-string       -> integer or string
//   x-kubernetes-preserve-unknown-fields -> no additionalProperties:false at that level
//   x-kubernetes-embedded-resource   -> apiVersion/kind/metadata allowed
//   nullable: true                   -> null allowed
// Not checked (documented gap): x-kubernetes-validations (CEL rules), list-type/map-keys
// uniqueness, and metadata (ObjectMeta is validated by the API server, not the CRD schema).
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import * as yaml from "js-yaml";

type Schema = Record<string, unknown>;

/** Absolute path of a file under ../shared (the reference data next to the repo); throws if absent. */
export function sharedPath(...segments: string[]): string {
    const root = path.resolve(__dirname, "..", "..", "..", "shared");
    const p = path.join(root, ...segments);
    if (!fs.existsSync(p)) {
        throw new Error(
            `shared reference data missing: ${p} (the repo expects ../shared next to it; ` +
                `tests that need CRDs fail rather than skip)`,
        );
    }
    return p;
}

const SUBSCHEMA_MAPS = ["properties", "patternProperties", "definitions", "$defs"];
const SUBSCHEMA_LISTS = ["allOf", "anyOf", "oneOf", "prefixItems"];
const SUBSCHEMA_SINGLE = ["items", "additionalProperties", "not", "additionalItems"];

function withNull(type: unknown): unknown {
    if (Array.isArray(type)) {
        return type.includes("null") ? type : [...type, "null"];
    }
    return typeof type === "string" ? [type, "null"] : type;
}

/** Returns a strict copy of a Kubernetes structural schema (see the file comment). */
export function strictSchema(node: unknown): unknown {
    if (Array.isArray(node)) {
        return node.map(strictSchema);
    }
    if (node === null || typeof node !== "object") {
        return node;
    }
    const s: Schema = { ...(node as Schema) };
    for (const key of SUBSCHEMA_MAPS) {
        if (s[key] && typeof s[key] === "object") {
            s[key] = Object.fromEntries(
                Object.entries(s[key] as Schema).map(([k, v]) => [k, strictSchema(v)]),
            );
        }
    }
    for (const key of [...SUBSCHEMA_LISTS, ...SUBSCHEMA_SINGLE]) {
        if (s[key] !== undefined && typeof s[key] === "object") {
            s[key] = strictSchema(s[key]);
        }
    }
    if (s["x-kubernetes-int-or-string"] === true) {
        // The CRD usually also carries anyOf [{type: integer}, {type: string}]; this is the same.
        s.type = ["integer", "string"];
    }
    if (s["x-kubernetes-embedded-resource"] === true) {
        const props = { ...((s.properties as Schema) ?? {}) };
        props.apiVersion ??= { type: "string" };
        props.kind ??= { type: "string" };
        props.metadata ??= { type: "object" };
        s.properties = props;
    }
    if (s.nullable === true) {
        s.type = withNull(s.type);
        delete s.nullable;
    }
    const preserve = s["x-kubernetes-preserve-unknown-fields"] === true;
    if (s.properties && !preserve && s.additionalProperties === undefined) {
        s.additionalProperties = false;
    }
    return s;
}

export interface CrdValidator {
    /** Human-readable problems ("/spec/foo: must NOT have additional properties (bar)"); empty if valid. */
    (obj: unknown): string[];
    readonly group: string;
    readonly kind: string;
    readonly version: string;
}

/** Loads `crdPath` (a CustomResourceDefinition YAML) and returns a strict validator for `version`. */
export function loadCrdValidator(crdPath: string, version: string): CrdValidator {
    if (!fs.existsSync(crdPath)) {
        throw new Error(`CRD file not found: ${crdPath}`);
    }
    const crd = yaml.load(fs.readFileSync(crdPath, "utf8")) as {
        kind?: string;
        spec?: {
            group: string;
            names: { kind: string };
            versions: { name: string; schema?: { openAPIV3Schema?: Schema } }[];
        };
    };
    if (crd?.kind !== "CustomResourceDefinition" || !crd.spec) {
        throw new Error(`${crdPath}: not a CustomResourceDefinition`);
    }
    const v = crd.spec.versions.find((x) => x.name === version);
    if (!v?.schema?.openAPIV3Schema) {
        const known = crd.spec.versions.map((x) => x.name).join(", ");
        throw new Error(`${crdPath}: no schema for version "${version}" (versions: ${known})`);
    }
    const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: true });
    addFormats(ajv);
    for (const kw of [
        "x-kubernetes-int-or-string",
        "x-kubernetes-preserve-unknown-fields",
        "x-kubernetes-embedded-resource",
        "x-kubernetes-list-map-keys",
        "x-kubernetes-map-type",
        // CEL rules need a CEL evaluator; the real API server of the lab e2e enforces them.
        "x-kubernetes-validations",
    ]) {
        ajv.addKeyword({ keyword: kw });
    }
    // List semantics the API server enforces: `set` items are unique, `map` items are unique by
    // their x-kubernetes-list-map-keys.
    ajv.addKeyword({
        keyword: "x-kubernetes-list-type",
        schemaType: "string",
        errors: false,
        validate: (listType: string, data: unknown, parentSchema?: Schema) => {
            if (!Array.isArray(data) || (listType !== "set" && listType !== "map")) {
                return true;
            }
            const keys =
                (parentSchema?.["x-kubernetes-list-map-keys"] as string[] | undefined) ?? [];
            const identity = (item: unknown) =>
                listType === "set"
                    ? JSON.stringify(item)
                    : JSON.stringify(
                          keys.map((k) => (item as Record<string, unknown>)?.[k] ?? null),
                      );
            return new Set(data.map(identity)).size === data.length;
        },
    });
    const validate = ajv.compile(strictSchema(v.schema.openAPIV3Schema) as Schema);
    const fn = ((obj: unknown) => {
        if (validate(obj)) {
            return [];
        }
        return (validate.errors ?? []).map((e) => {
            const extra =
                e.keyword === "additionalProperties"
                    ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})`
                    : "";
            return `${e.instancePath || "/"}: ${e.message ?? e.keyword}${extra}`;
        });
    }) as CrdValidator;
    return Object.assign(fn, {
        group: crd.spec.group,
        kind: crd.spec.names.kind,
        version,
    });
}
