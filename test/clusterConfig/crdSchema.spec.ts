import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { loadCrdValidator, sharedPath, strictSchema } from "../support/crdSchema";

const dirs: string[] = [];
after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function crdFile(schema: object): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "crd-"));
    dirs.push(dir);
    const file = path.join(dir, "crd.yaml");
    fs.writeFileSync(
        file,
        yaml.dump({
            apiVersion: "apiextensions.k8s.io/v1",
            kind: "CustomResourceDefinition",
            spec: {
                group: "example.com",
                names: { kind: "Thing" },
                versions: [{ name: "v1", schema: { openAPIV3Schema: schema } }],
            },
        }),
    );
    return file;
}

describe("test/support/crdSchema (strict CRD validation helper)", () => {
    const v = loadCrdValidator(
        crdFile({
            type: "object",
            properties: {
                apiVersion: { type: "string" },
                kind: { type: "string" },
                metadata: { type: "object" },
                spec: {
                    type: "object",
                    required: ["port"],
                    properties: {
                        port: {
                            "x-kubernetes-int-or-string": true,
                            anyOf: [{ type: "integer" }, { type: "string" }],
                        },
                        note: { type: "string", nullable: true },
                        free: {
                            type: "object",
                            "x-kubernetes-preserve-unknown-fields": true,
                            properties: { a: { type: "string" } },
                        },
                        tmpl: {
                            type: "object",
                            "x-kubernetes-embedded-resource": true,
                            properties: { spec: { type: "object" } },
                        },
                        rules: {
                            type: "array",
                            items: { type: "string" },
                            "x-kubernetes-validations": [{ rule: "self.size() < 3" }],
                        },
                    },
                },
            },
        }),
        "v1",
    );

    it("accepts int-or-string, null where nullable, unknown fields where preserved, embedded apiVersion/kind", () => {
        assert.deepEqual(v({ spec: { port: 6443 } }), []);
        assert.deepEqual(v({ spec: { port: "https" } }), []);
        assert.deepEqual(v({ spec: { port: 1, note: null, free: { a: "x", anything: 1 } } }), []);
        assert.deepEqual(
            v({
                spec: { port: 1, tmpl: { apiVersion: "v1", kind: "Pod", metadata: {}, spec: {} } },
            }),
            [],
        );
        // CEL rules are not evaluated (documented gap).
        assert.deepEqual(v({ spec: { port: 1, rules: ["a", "b", "c", "d"] } }), []);
    });

    it("rejects unknown fields, wrong types and missing required fields with paths", () => {
        assert.deepEqual(v({ spec: { port: 1, typo: true } }), [
            "/spec: must NOT have additional properties (typo)",
        ]);
        assert.ok(v({ spec: { port: 1.5 } }).some((e) => e.startsWith("/spec/port")));
        assert.ok(
            v({ spec: { port: 1, free: { a: 3 } } }).some((e) =>
                e.startsWith("/spec/free/a: must be string"),
            ),
        );
        assert.ok(v({ spec: {} }).some((e) => e.includes("must have required property 'port'")));
        assert.ok(
            v({ spec: { port: 1, tmpl: { spec: {}, bogus: 1 } } }).some((e) =>
                e.includes("(bogus)"),
            ),
        );
    });

    it("does not mutate the input schema", () => {
        const s = { type: "object", properties: { a: { type: "string", nullable: true } } };
        const copy = JSON.parse(JSON.stringify(s));
        strictSchema(s);
        assert.deepEqual(s, copy);
    });

    it("fails (not skips) when reference data or versions are missing", () => {
        assert.throws(
            () => sharedPath("crds", "no-such.yaml"),
            /shared reference data missing: .*no-such\.yaml/,
        );
        assert.throws(
            () => loadCrdValidator(sharedPath("crds", "argo-cd", "application-crd.yaml"), "v9"),
            /no schema for version "v9" \(versions: v1alpha1\)/,
        );
        assert.throws(() => loadCrdValidator("/nonexistent/crd.yaml", "v1"), /CRD file not found/);
    });

    it("loads the shared CAPI CRDs too (reused by the CAPI builders' tests)", () => {
        const cluster = loadCrdValidator(
            sharedPath("crds", "cluster-api", "cluster.x-k8s.io_clusters.yaml"),
            "v1beta2",
        );
        assert.equal(cluster.kind, "Cluster");
        assert.deepEqual(
            cluster({
                apiVersion: "cluster.x-k8s.io/v1beta2",
                kind: "Cluster",
                metadata: { name: "c1", namespace: "capi-clusters" },
                spec: { clusterNetwork: { pods: { cidrBlocks: ["10.128.0.0/16"] } } },
            }),
            [],
        );
        assert.ok(
            cluster({ spec: { clusterNetwork: { podz: {} } } }).some((e) => e.includes("(podz)")),
        );
    });
});
