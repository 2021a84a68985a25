// The pack as a whole: policy names and schemas the server accepts, per-stack config files that
// cover every policy with the right level and valid properties, and the program's object shapes
// passing every policy (while a dev-style cluster fails prod).
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv from "ajv";
import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { types } from "../../components/constants";
import { allPolicies } from "../policies";
import { TestResource, messages, runResourcePolicy, runStackPolicy } from "../testing";
import { c1, c2, clusterResources } from "./fixtures";

const CONFIG_DIR = path.resolve(__dirname, "..", "config");
const STACK_LEVELS: Readonly<Record<string, string>> = {
    prod: "mandatory",
    dev: "advisory",
    lab: "advisory",
};

function stackConfig(stack: string): Record<string, Record<string, unknown>> {
    return JSON.parse(fs.readFileSync(path.join(CONFIG_DIR, `${stack}.json`), "utf8"));
}

function propsOf(entry: Record<string, unknown>): Record<string, unknown> {
    return Object.fromEntries(Object.entries(entry).filter(([k]) => k !== "enforcementLevel"));
}

const isStack = (p: (typeof allPolicies)[number]): p is StackValidationPolicy =>
    "validateStack" in p;

/** Runs every policy over a stack's resources; returns "policy: message" lines. */
async function runPack(resources: readonly TestResource[], stack: string): Promise<string[]> {
    const cfg = stackConfig(stack);
    const out: string[] = [];
    for (const p of allPolicies) {
        const props = propsOf(cfg[p.name]);
        const outcomes = isStack(p)
            ? [await runStackPolicy(p, resources, props)]
            : await Promise.all(
                  resources.map((r) => runResourcePolicy(p as ResourceValidationPolicy, r, props)),
              );
        for (const o of outcomes) {
            assert.equal(o.previewSkipped, undefined, `${p.name} skipped: ${o.previewSkipped}`);
            out.push(...messages(o).map((m) => `${p.name}: ${m}`));
        }
    }
    return out;
}

describe("policy pack", () => {
    it("has unique, valid policy names and schemas the policy server accepts", () => {
        const names = allPolicies.map((p) => p.name);
        assert.equal(new Set(names).size, names.length, "duplicate policy names");
        for (const p of allPolicies) {
            assert.match(p.name, /^[a-z0-9]+(-[a-z0-9]+)*$/);
            assert.notEqual(p.name, "all");
            assert.ok(p.description.length > 0);
            assert.equal(p.configSchema?.properties.enforcementLevel, undefined);
            for (const [k, v] of Object.entries(p.configSchema?.properties ?? {})) {
                assert.notEqual(v.default, undefined, `${p.name}.${k} has no default`);
            }
        }
    });

    it("ships a package.json with a version (PolicyPack requires it)", () => {
        const pkg = JSON.parse(
            fs.readFileSync(path.resolve(__dirname, "..", "package.json"), "utf8"),
        );
        assert.match(pkg.version, /^\d+\.\d+\.\d+/);
    });

    for (const [stack, level] of Object.entries(STACK_LEVELS)) {
        it(`config/${stack}.json sets every policy ${level} with schema-valid properties`, () => {
            const cfg = stackConfig(stack);
            assert.deepEqual(Object.keys(cfg).sort(), allPolicies.map((p) => p.name).sort());
            const ajv = new Ajv({ strict: false });
            for (const p of allPolicies) {
                assert.equal(cfg[p.name].enforcementLevel, level, `${stack}: ${p.name}`);
                // The engine validates {type: object, properties, required} with gojsonschema;
                // additionalProperties: false also catches misspelt keys here.
                const schema = {
                    type: "object",
                    properties: p.configSchema?.properties ?? {},
                    required: p.configSchema?.required ?? [],
                    additionalProperties: false,
                };
                const ok = ajv.validate(schema, propsOf(cfg[p.name]));
                assert.ok(ok, `${stack}: ${p.name}: ${ajv.errorsText()}`);
            }
        });
    }

    it("passes the program's objects for a two-cluster region, in prod and dev", async () => {
        const region = [...clusterResources(c1), ...clusterResources(c2)];
        assert.deepEqual(await runPack(region, "prod"), []);
        assert.deepEqual(await runPack(region, "dev"), []);
    });

    it("holds a single-machine, unprotected cluster to prod rules but not dev ones", async () => {
        const small = { ...c1, replicas: 1 };
        const region = clusterResources(small).map((r) =>
            r.type === types.Cluster ? { ...r, opts: { protect: false } } : r,
        );
        const prod = await runPack(region, "prod");
        assert.equal(prod.length, 2, prod.join("\n"));
        assert.match(prod.join("\n"), /control-plane-replicas: .*at least 3/);
        assert.match(prod.join("\n"), /capi-cluster-protected: .*protect/);
        assert.deepEqual(await runPack(region, "dev"), []);
    });
});
