// Contract: every endpoint, method, query parameter, body field and response field the client
// and the sync provider use exists in the Argo CD v3.5.1 spec (../shared/argocd/swagger.json).
// The spec is required: a missing file fails the suite.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
    createArgoCdClient,
    getClusterByServer,
    getVersion,
    terminateOperation,
    syncApplication,
} from "../../components/argocd/client";
import { ArgoCdAppSyncProvider } from "../../components/providers/argoCdAppSync";
import { startFakeArgoCd, type RecordedRequest } from "../support/fakeArgoCd";
import { virtualClock } from "../support/virtualClock";

const SPEC_PATH = path.resolve(__dirname, "..", "..", "..", "shared", "argocd", "swagger.json");

interface SwaggerParam {
    name: string;
    in: string;
    schema?: SchemaRef;
}
interface SchemaRef {
    $ref?: string;
    type?: string;
    items?: SchemaRef;
    properties?: Record<string, SchemaRef>;
}
interface Swagger {
    paths: Record<string, Record<string, { parameters?: SwaggerParam[] }>>;
    definitions: Record<string, SchemaRef>;
}

function loadSpec(): Swagger {
    assert.ok(fs.existsSync(SPEC_PATH), `Argo CD spec missing at ${SPEC_PATH}`);
    return JSON.parse(fs.readFileSync(SPEC_PATH, "utf8")) as Swagger;
}

function deref(spec: Swagger, s: SchemaRef | undefined): SchemaRef {
    let cur = s;
    for (let i = 0; i < 10 && cur; i++) {
        if (cur.$ref) {
            cur = spec.definitions[cur.$ref.replace("#/definitions/", "")];
        } else if (cur.type === "array") {
            cur = cur.items;
        } else {
            return cur;
        }
    }
    assert.fail(`cannot resolve schema ${JSON.stringify(s)}`);
}

/** Asserts that a dotted field path exists under a definition (arrays are stepped through). */
function assertField(spec: Swagger, definition: string, fieldPath: string): void {
    let cur = deref(spec, spec.definitions[definition]);
    assert.ok(cur, `definition ${definition} missing`);
    for (const part of fieldPath.split(".")) {
        const next = cur.properties?.[part];
        assert.ok(next, `${definition}.${fieldPath}: no property "${part}"`);
        cur = deref(spec, next);
    }
}

/** Body keys (recursively) must be properties of the schema. */
function assertBody(spec: Swagger, schema: SchemaRef, body: unknown, where: string): void {
    if (body === null || typeof body !== "object") {
        return;
    }
    const s = deref(spec, schema);
    if (Array.isArray(body)) {
        return;
    }
    for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
        const p = s.properties?.[k];
        assert.ok(p, `${where}: body field "${k}" not in the spec`);
        if (v && typeof v === "object" && !Array.isArray(v)) {
            assertBody(spec, p, v, `${where}.${k}`);
        }
    }
}

/** The spec path template that matches `actual` and has `method` (templates can overlap). */
function matchPath(spec: Swagger, actual: string, method: string): string {
    for (const template of Object.keys(spec.paths)) {
        if (!spec.paths[template][method]) {
            continue;
        }
        const re = new RegExp(
            "^" + template.replace(/[.]/g, "\\.").replace(/\\?\{[^}]+\}/g, "[^/]+") + "$",
        );
        if (re.test(actual)) {
            return template;
        }
    }
    assert.fail(`no spec path matches ${method.toUpperCase()} ${actual}`);
}

/** Declared surface of the client: what it may call. */
const CLIENT_CALLS: { method: string; path: string; query: string[] }[] = [
    { method: "get", path: "/api/version", query: [] },
    { method: "get", path: "/api/v1/clusters", query: ["server", "name"] },
    { method: "get", path: "/api/v1/clusters/{id.value}", query: ["id.type"] },
    {
        method: "get",
        path: "/api/v1/applications/{name}",
        query: ["project", "appNamespace", "refresh"],
    },
    { method: "post", path: "/api/v1/applications/{name}/sync", query: [] },
    {
        method: "delete",
        path: "/api/v1/applications/{name}/operation",
        query: ["project", "appNamespace"],
    },
];

/** Response fields the status evaluation and the provider read. */
const READ_FIELDS: [string, string[]][] = [
    [
        "v1alpha1Application",
        [
            "operation.initiatedBy.username",
            "operation.initiatedBy.automated",
            "spec.sources.chart",
            "spec.sources.path",
            "spec.sources.repoURL",
        ],
    ],
    [
        "v1alpha1ApplicationStatus",
        [
            "reconciledAt",
            "sync.status",
            "sync.revision",
            "sync.revisions",
            "sync.comparedTo.sources.chart",
            "sync.comparedTo.sources.path",
            "sync.comparedTo.sources.repoURL",
            "health.status",
            "resources.group",
            "resources.kind",
            "resources.namespace",
            "resources.name",
            "resources.syncWave",
            "resources.health.status",
            "resources.health.message",
            "operationState.phase",
            "operationState.message",
            "operationState.startedAt",
            "operationState.finishedAt",
            "operationState.retryCount",
            "operationState.operation.sync.dryRun",
            "operationState.operation.initiatedBy.username",
            "operationState.operation.sync.revision",
            "operationState.operation.sync.revisions",
            "operationState.operation.sync.sources.chart",
            "operationState.syncResult.revision",
            "operationState.syncResult.revisions",
            "operationState.syncResult.sources.chart",
            "operationState.syncResult.sources.path",
            "operationState.syncResult.sources.repoURL",
            "operationState.syncResult.resources.hookType",
            "operationState.syncResult.resources.status",
            "operationState.syncResult.resources.hookPhase",
            "operationState.syncResult.resources.message",
            "operationState.syncResult.resources.kind",
        ],
    ],
    [
        "v1alpha1Cluster",
        [
            "server",
            "name",
            "connectionState.status",
            "info.connectionState.status",
            "info.connectionState.message",
            "info.cacheInfo.lastCacheSyncTime",
        ],
    ],
    ["v1alpha1ClusterList", ["items"]],
    ["runtimeError", ["code", "message", "error"]],
    ["versionVersionMessage", ["Version"]],
];

describe("Argo CD API contract (../shared/argocd/swagger.json)", () => {
    const spec = loadSpec();

    it("declares every endpoint, method and query parameter the client uses", () => {
        for (const call of CLIENT_CALLS) {
            const op = spec.paths[call.path]?.[call.method];
            assert.ok(op, `${call.method.toUpperCase()} ${call.path} not in the spec`);
            const names = new Set((op.parameters ?? []).map((p) => `${p.in}:${p.name}`));
            for (const q of call.query) {
                assert.ok(
                    names.has(`query:${q}`),
                    `${call.path}: query parameter ${q} not in the spec`,
                );
            }
        }
    });

    it("declares every response field the provider reads", () => {
        for (const [def, fields] of READ_FIELDS) {
            for (const f of fields) {
                assertField(spec, def, f);
            }
        }
    });

    it("the sync request body (retryStrategy, syncOptions {items}) matches the spec", () => {
        const body = spec.paths["/api/v1/applications/{name}/sync"].post.parameters?.find(
            (p) => p.in === "body",
        );
        assert.ok(body?.schema);
        for (const f of [
            "name",
            "project",
            "appNamespace",
            "prune",
            "retryStrategy.limit",
            "retryStrategy.backoff.duration",
            "retryStrategy.backoff.factor",
            "retryStrategy.backoff.maxDuration",
            "syncOptions.items",
        ]) {
            assertField(spec, "applicationApplicationSyncRequest", f);
        }
    });

    it("every request actually sent in a full run matches the spec (path, method, query, body)", async () => {
        const fake = await startFakeArgoCd();
        const server = "https://10.0.0.10:6443";
        try {
            fake.addCluster(server);
            fake.addApp("cc-wc1", "clusters");
            const provider = new ArgoCdAppSyncProvider({
                token: fake.token,
                // Production polls and retries, in virtual time.
                clock: virtualClock(),
            });
            await provider.create({
                argocdUrl: fake.url,
                caPem: fake.caPem,
                project: "clusters",
                appName: "cc-wc1",
                appNamespace: "argocd",
                clusterServer: server,
                syncOptions: ["ServerSideApply=true"],
                retry: { limit: 2, backoff: { duration: "5s", factor: 2, maxDuration: "3m" } },
            });
            const client = createArgoCdClient({
                url: fake.url,
                token: fake.token,
                caPem: fake.caPem,
            });
            try {
                const ref = { name: "cc-wc1", project: "clusters", appNamespace: "argocd" };
                await getVersion(client);
                await getClusterByServer(client, server);
                await getClusterByServer(client, "https://10.9.9.9:6443");
                await syncApplication(client, ref, {});
                await terminateOperation(client, ref);
            } finally {
                await client.close();
            }
            const seen = new Set<string>();
            for (const r of fake.requests as RecordedRequest[]) {
                const template = matchPath(spec, r.path, r.method.toLowerCase());
                const op = spec.paths[template][r.method.toLowerCase()];
                const params = op.parameters ?? [];
                for (const key of new Set(r.query.keys())) {
                    assert.ok(
                        params.some((p) => p.in === "query" && p.name === key),
                        `${r.method} ${template}: query ${key} not in the spec`,
                    );
                }
                if (r.body !== undefined) {
                    const b = params.find((p) => p.in === "body");
                    assert.ok(b?.schema, `${r.method} ${template} takes no body`);
                    assertBody(spec, b.schema, r.body, `${r.method} ${template}`);
                }
                seen.add(`${r.method} ${template}`);
            }
            // The run exercised the whole declared surface.
            assert.deepEqual(
                [...seen].sort(),
                CLIENT_CALLS.map((c) => `${c.method.toUpperCase()} ${c.path}`).sort(),
            );
        } finally {
            await fake.close();
        }
    });
});
