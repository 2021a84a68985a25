// The Argo CD client against a real local https server that answers like Argo CD v3.5.
import * as assert from "node:assert/strict";
import {
    accountFromToken,
    callArgoCd,
    createArgoCdClient,
    getApplication,
    getClusterByServer,
    getVersion,
    listClusters,
    syncApplication,
    terminateOperation,
    type ArgoCdClient,
    type ArgoCdClientOptions,
} from "../../components/argocd/client";
import { isArgoCdApiError, type ArgoCdApiError } from "../../components/argocd/errors";
import { isTlsVerifyError } from "../../components/providers/httpsProbe";
import { TLS_VERIFY_CODES } from "../../components/providers/tlsVerifyCodes";
import { startFakeArgoCd, type FakeArgoCd } from "../support/fakeArgoCd";
import { recordTrustBuilds } from "../support/trustBuilds";
import { virtualClock, type VirtualClock } from "../support/virtualClock";

async function rejects(p: Promise<unknown>): Promise<ArgoCdApiError> {
    try {
        await p;
    } catch (e) {
        assert.ok(isArgoCdApiError(e), `expected ArgoCdApiError, got ${String(e)}`);
        return e;
    }
    assert.fail("expected a rejection");
}

describe("Argo CD client", () => {
    let fake: FakeArgoCd;
    // Retry delays and request timeouts run on this clock (default tuning, virtual time).
    let clock: VirtualClock;
    const clients: ArgoCdClient[] = [];
    const client = (o: Partial<ArgoCdClientOptions> = {}) => {
        const c = createArgoCdClient({
            url: fake.url + "/",
            token: fake.token,
            caPem: fake.caPem,
            account: "pulumi-ci",
            clock,
            ...o,
        });
        clients.push(c);
        return c;
    };

    beforeEach(async () => {
        fake = await startFakeArgoCd();
        clock = virtualClock();
    });
    afterEach(async () => {
        await Promise.all(clients.splice(0).map((c) => c.close()));
        await fake.close();
    });

    describe("TLS and auth", () => {
        it("trusts the server through the given CA, without touching global TLS settings", async () => {
            assert.equal(await getVersion(client()), "v3.5.1+109ca7c");
            assert.equal(process.env.NODE_TLS_REJECT_UNAUTHORIZED, undefined);
        });

        it("builds the trust once per CA (the CA alone) and reuses it for every connection and client", async () => {
            // Two resets force new connections; three clients each open their own pool.
            fake.inject({ path: /version/, destroy: true, times: 2 });
            const built = await recordTrustBuilds(async () => {
                for (let i = 0; i < 3; i++) {
                    assert.equal(await getVersion(client()), "v3.5.1+109ca7c");
                }
            });
            assert.ok(fake.connections >= 5, `only ${fake.connections} connections`);
            assert.deepEqual(built, [fake.caPem], "one context, trusting the given CA only");
        });

        it("refuses an untrusted server certificate at once, naming the CA setting", async () => {
            const e = await rejects(getVersion(client({ caPem: undefined })));
            assert.equal(e.reason, "tls");
            assert.equal(e.attempts, 1);
            assert.match(e.message, /argocd\.caCert/);
            assert.equal(fake.requests.length, 0);
        });

        it("fails at once on every certificate-verification code, the same set as the readiness probe's", async () => {
            const c = client();
            for (const code of TLS_VERIFY_CODES) {
                let sends = 0;
                // undici's shape: "fetch failed" with the TLS socket's error as the cause.
                const e = await rejects(
                    callArgoCd(c, { operation: "GET /api/version" }, async () => {
                        sends++;
                        throw new TypeError("fetch failed", {
                            cause: Object.assign(new Error("certificate verify failed"), { code }),
                        });
                    }),
                );
                assert.equal(e.reason, "tls", code);
                assert.equal(sends, 1, `${code} was retried`);
                assert.ok(isTlsVerifyError({ code }), code);
            }
        });

        it("401 for an expired token: no retry, says how to regenerate, never shows the token", async () => {
            const c = client({ token: fake.expiredToken });
            const e = await rejects(getVersion(c));
            assert.equal(e.reason, "unauthenticated");
            assert.equal(e.httpStatus, 401);
            assert.equal(e.grpcCode, 16);
            assert.equal(fake.requests.length, 1);
            assert.match(e.message, /token has invalid claims: token is expired/);
            assert.match(e.message, /argocd account generate-token --account pulumi-ci/);
            assert.match(e.message, /cluster-fleet:argocdToken/);
            assert.ok(!e.message.includes(fake.expiredToken));
        });

        it("derives the account from the token's sub claim when none is given", () => {
            assert.equal(accountFromToken(fake.token), "pulumi-ci");
            assert.equal(accountFromToken("not-a-jwt"), undefined);
        });

        it("redacts the token even when the server echoes it back", async () => {
            fake.inject({
                path: /version/,
                status: 400,
                body: { code: 3, message: `bad header Authorization: Bearer ${fake.token}` },
                times: 1,
            });
            const e = await rejects(getVersion(client()));
            assert.ok(!e.message.includes(fake.token), e.message);
            assert.ok(!e.argoMessage.includes(fake.token));
            assert.match(e.message, /\[redacted\]/);
        });
    });

    describe("retries", () => {
        it("rides out 5xx flapping (503, 502, 504) and a reset connection, then succeeds", async () => {
            fake.inject({ path: /version/, status: 503, times: 1 });
            fake.inject({ path: /version/, destroy: true, times: 1 });
            fake.inject({ path: /version/, status: 502, times: 1 });
            fake.inject({ path: /version/, status: 504, times: 1 });
            assert.equal(await getVersion(client()), "v3.5.1+109ca7c");
            assert.equal(fake.count("GET", /version/), 5);
        });

        it("retries 429 honouring Retry-After", async () => {
            fake.inject({
                path: /version/,
                status: 429,
                headers: { "Retry-After": "20" },
                times: 2,
            });
            assert.equal(await getVersion(client()), "v3.5.1+109ca7c");
            assert.equal(fake.count("GET", /version/), 3);
            // The backoff alone would wait at most 1 s, then 2 s.
            assert.equal(clock.now(), 40_000);
        });

        it("gives up after maxAttempts with the attempt count and 'no change made'", async () => {
            fake.inject({ path: /version/, status: 503, times: 100 });
            const e = await rejects(getVersion(client({ retry: { maxAttempts: 4 } })));
            assert.equal(e.reason, "unavailable");
            assert.equal(e.attempts, 4);
            assert.equal(fake.count("GET", /version/), 4);
            assert.match(e.message, /HTTP 503 \(gRPC 14 Unavailable\)/);
            assert.match(e.message, /after 4 attempt\(s\), no change made/);
            assert.match(e.message, new RegExp(fake.url.replace(/[.]/g, "\\.")));
        });

        it("a sync that keeps failing does not claim that no change was made", async () => {
            fake.addApp("cc-wc1", "clusters");
            fake.inject({ method: "POST", path: /sync$/, destroy: true, times: 100 });
            const ref = { name: "cc-wc1", project: "clusters", appNamespace: "argocd" };
            const e = await rejects(
                syncApplication(client({ retry: { maxAttempts: 2 } }), ref, {}),
            );
            assert.equal(e.reason, "network");
            assert.match(
                e.message,
                /after 2 attempt\(s\), so it is unknown whether an attempt took effect/,
            );
            assert.doesNotMatch(e.message, /no change made/);
        });

        it("retries a 500 only a few times", async () => {
            fake.inject({
                path: /version/,
                status: 500,
                body: {
                    code: 2,
                    message: "error getting server version: dial tcp 10.0.0.10:6443: i/o timeout",
                },
                times: 100,
            });
            const e = await rejects(getVersion(client({ retry: { maxInternalErrorAttempts: 2 } })));
            assert.equal(e.reason, "internal");
            assert.equal(fake.count("GET", /version/), 2);
            assert.match(e.message, /dial tcp/);
        });

        it("applies a per-request timeout and retries it", async () => {
            // The first answer never comes: while it hangs, the request's timeout passes (and only
            // that), so only the per-request timeout can end that attempt. The timeouts are longer
            // than the test's own: one on the wall clock would never end in time.
            fake.inject({
                path: /version/,
                hang: true,
                times: 1,
                onHang: () => clock.advance(90_000),
            });
            const c = client({ requestTimeoutMs: 90_000 });
            assert.equal(await getVersion(c), "v3.5.1+109ca7c");
            assert.equal(fake.count("GET", /version/), 2);
            fake.inject({
                path: /version/,
                hang: true,
                times: 100,
                onHang: () => clock.advance(120_000),
            });
            const e = await rejects(
                getVersion(client({ requestTimeoutMs: 120_000, retry: { maxAttempts: 2 } })),
            );
            assert.equal(e.reason, "timeout");
            assert.equal(e.attempts, 2);
            assert.match(e.message, /no response within 120000 ms/);
        });

        it("does not retry 400/403/404", async () => {
            fake.inject({
                path: /version/,
                status: 400,
                body: { code: 3, message: "bad" },
                times: 5,
            });
            await rejects(getVersion(client()));
            assert.equal(fake.count("GET", /version/), 1);
        });
    });

    describe("answers that are not Argo CD JSON", () => {
        const page = (token: string) =>
            "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title>" +
            "<style>body { font: 12px sans-serif; }</style><script>var t = 1;</script></head>" +
            `<body><h1>Bad&nbsp;Gateway</h1><p>upstream argocd-server:8080 failed</p>` +
            `<pre>${"trace line\n".repeat(2000)}</pre><p>Authorization: Bearer ${token}</p></body></html>`;

        it("an HTML error page from a proxy is cut to its readable text", async () => {
            fake.inject({
                path: /version/,
                status: 502,
                raw: page(fake.token),
                headers: { "Content-Type": "text/html" },
                times: 100,
            });
            const e = await rejects(getVersion(client({ retry: { maxAttempts: 2 } })));
            assert.equal(e.reason, "unavailable");
            assert.match(
                e.message,
                /HTTP 502: body is not JSON: HTML page: 502 Bad Gateway Bad Gateway upstream argocd-server:8080 failed trace line/,
            );
            assert.match(e.message, /… \(\d+ more characters\)/);
            assert.ok(e.message.length < 800, `message of ${e.message.length} chars`);
            assert.ok(!/<|font:|var t/.test(e.argoMessage), e.argoMessage);
        });

        it("huge text is cut after redaction, so a token across the cut does not leak in part", async () => {
            const text = "x".repeat(280) + ` token ${fake.token} ` + "y".repeat(20_000);
            fake.inject({ path: /version/, status: 400, raw: text, times: 1 });
            const e = await rejects(getVersion(client()));
            assert.ok(e.message.length < 800, `message of ${e.message.length} chars`);
            assert.ok(!e.message.includes(fake.token.slice(0, 12)), e.message);
            assert.match(e.message, /\[redacted\]/);
            const long = { code: 3, message: "field " + "z".repeat(50_000) };
            fake.inject({ path: /version/, status: 400, body: long, times: 1 });
            const j = await rejects(getVersion(client()));
            assert.ok(j.argoMessage.length < 2100, `message of ${j.argoMessage.length} chars`);
            assert.match(j.argoMessage, /^field z+… \(48006 more characters\)$/);
        });

        it("malformed JSON in a 200 is an invalid response: not retried, not a network failure", async () => {
            fake.inject({
                path: /version/,
                status: 200,
                raw: '{"Version": "v3.5.1", "Build',
                headers: { "Content-Type": "application/json" },
                times: 100,
            });
            const e = await rejects(getVersion(client()));
            assert.equal(e.reason, "invalid-response");
            assert.equal(e.httpStatus, 200);
            assert.equal(e.attempts, 1);
            assert.equal(fake.count("GET", /version/), 1);
            assert.match(
                e.message,
                /HTTP 200: body is not JSON \(Content-Type application\/json\): \{"Version": "v3.5.1", "Build/,
            );
            assert.match(e.message, /no proxy or SSO gateway rewrites/);
            assert.doesNotMatch(e.message, /unreachable|no change made|network/);
        });

        it("an SSO login page answering a sync says the sync may have taken effect", async () => {
            fake.addApp("cc-wc1", "clusters");
            fake.inject({
                method: "POST",
                path: /sync$/,
                status: 200,
                raw: "<html><head><title>Sign in</title></head><body>Sign in with SSO</body></html>",
                headers: { "Content-Type": "text/html; charset=utf-8" },
                times: 1,
            });
            const ref = { name: "cc-wc1", project: "clusters", appNamespace: "argocd" };
            const e = await rejects(syncApplication(client(), ref, {}));
            assert.equal(e.reason, "invalid-response");
            assert.match(e.message, /HTML page: Sign in Sign in with SSO/);
            assert.match(e.message, /may have taken effect/);
            assert.equal(fake.count("POST", /sync$/), 1);
        });

        it("a 2xx body is parsed once (the JSON check's parse is the one the caller gets)", async () => {
            fake.addApp("cc-wc1", "clusters");
            const ref = { name: "cc-wc1", project: "clusters", appNamespace: "argocd" };
            const c = client();
            const parse = JSON.parse;
            const json = Object.getOwnPropertyDescriptor(Response.prototype, "json")!;
            let bodyParses = 0;
            let responseJson = 0;
            JSON.parse = ((text: string, reviver?: Parameters<typeof parse>[1]) => {
                if (typeof text === "string" && text.includes('"cc-wc1"')) {
                    bodyParses++;
                }
                return parse(text, reviver);
            }) as typeof JSON.parse;
            Object.defineProperty(Response.prototype, "json", {
                ...json,
                value: function (this: Response) {
                    responseJson++;
                    return (json.value as () => Promise<unknown>).call(this);
                },
            });
            let app;
            try {
                app = await getApplication(c, ref);
            } finally {
                JSON.parse = parse;
                Object.defineProperty(Response.prototype, "json", json);
            }
            assert.equal(app?.metadata?.name, "cc-wc1");
            assert.deepEqual({ bodyParses, responseJson }, { bodyParses: 1, responseJson: 0 });
        });

        it("an empty 200 body is no error", async () => {
            fake.inject({ path: /version/, status: 200, raw: "", times: 1 });
            assert.equal(await getVersion(client()), "");
        });
    });

    describe("clusters: 403 means missing or RBAC", () => {
        it("getClusterByServer: 403 and an empty list call → undefined (missing)", async () => {
            fake.addCluster("https://10.0.0.99:6443");
            const c = await getClusterByServer(client(), "https://10.0.0.10:6443/");
            assert.equal(c, undefined);
            assert.equal(fake.count("GET", /^\/api\/v1\/clusters\/.+/), 1);
            const list = fake.requests.find((r) => r.path === "/api/v1/clusters");
            assert.equal(list?.query.get("server"), "https://10.0.0.10:6443");
        });

        it("getClusterByServer: 403 but listed → the RBAC error with the policy line", async () => {
            fake.addCluster("https://10.0.0.10:6443").denyGet = true;
            const e = await rejects(getClusterByServer(client(), "https://10.0.0.10:6443"));
            assert.equal(e.reason, "permission-denied");
            assert.match(
                e.message,
                /account pulumi-ci lacks `clusters, get` on `https:\/\/10\.0\.0\.10:6443`/,
            );
            assert.match(
                e.message,
                /p, role:pulumi-ci, clusters, get, https:\/\/10\.0\.0\.10:6443, allow/,
            );
        });

        it("getClusterByServer: found → the sanitized cluster, path-encoded server", async () => {
            fake.addCluster("https://10.0.0.10:6443");
            const c = await getClusterByServer(client(), "https://10.0.0.10:6443");
            assert.equal(c?.server, "https://10.0.0.10:6443");
            const get = fake.requests.find((r) => r.path.startsWith("/api/v1/clusters/"));
            assert.equal(
                get?.path,
                "/api/v1/clusters/" + encodeURIComponent("https://10.0.0.10:6443"),
            );
            assert.equal(get?.query.get("id.type"), "server");
        });

        it("listClusters filters on the client too (servers before v2.8 ignore ?server=)", async () => {
            fake.addCluster("https://10.0.0.10:6443");
            fake.addCluster("https://10.0.0.11:6443");
            fake.inject({
                path: /^\/api\/v1\/clusters$/,
                status: 200,
                body: { items: fake.clusters.map((c) => c.cluster) },
                times: 1,
            });
            const found = await listClusters(client(), { server: "https://10.0.0.11:6443/" });
            assert.deepEqual(
                found.map((c) => c.server),
                ["https://10.0.0.11:6443"],
            );
        });
    });

    describe("applications", () => {
        const ref = { name: "cc-wc1", project: "clusters", appNamespace: "argocd" };

        it("always sends project= (and appNamespace=): missing app is 404 → undefined", async () => {
            assert.equal(await getApplication(client(), ref), undefined);
            const r = fake.requests.at(-1);
            assert.deepEqual(r?.query.getAll("project"), ["clusters"]);
            assert.equal(r?.query.get("appNamespace"), "argocd");
        });

        it("403 with project= is RBAC: names account, `applications, get`, object and policy line", async () => {
            fake.addApp("cc-wc1", "clusters").denyGet = true;
            const e = await rejects(getApplication(client(), ref));
            assert.equal(e.reason, "permission-denied");
            assert.equal(e.httpStatus, 403);
            assert.match(
                e.message,
                /account pulumi-ci lacks `applications, get` on `clusters\/cc-wc1`/,
            );
            assert.match(
                e.message,
                /policy\.csv: `p, role:pulumi-ci, applications, get, clusters\/\*, allow`/,
            );
        });

        it("refresh=normal is passed through", async () => {
            fake.addApp("cc-wc1", "clusters");
            const app = await getApplication(client(), ref, { refresh: "normal" });
            assert.equal(app?.metadata?.name, "cc-wc1");
            assert.equal(fake.requests.at(-1)?.query.get("refresh"), "normal");
        });

        it("sync: the request body shape; a second sync is 400 in-progress, not retried", async () => {
            fake.addApp("cc-wc1", "clusters");
            const c = client();
            const app = await syncApplication(c, ref, {
                prune: false,
                retryStrategy: {
                    limit: 3,
                    backoff: { duration: "5s", factor: 2, maxDuration: "3m" },
                },
                syncOptions: { items: ["ServerSideApply=true"] },
            });
            assert.ok(app.operation);
            assert.deepEqual(fake.requests.at(-1)?.body, {
                name: "cc-wc1",
                project: "clusters",
                appNamespace: "argocd",
                prune: false,
                retryStrategy: {
                    limit: 3,
                    backoff: { duration: "5s", factor: 2, maxDuration: "3m" },
                },
                syncOptions: { items: ["ServerSideApply=true"] },
            });
            const e = await rejects(syncApplication(c, ref, {}));
            assert.equal(e.reason, "operation-in-progress");
            assert.equal(e.grpcCode, 9);
            assert.equal(fake.count("POST", /sync$/), 2);
        });

        it("sync blocked by a sync window is its own reason", async () => {
            fake.addApp("cc-wc1", "clusters");
            fake.inject({
                path: /sync$/,
                status: 403,
                body: { code: 7, message: "cannot sync: blocked by sync window" },
                times: 1,
            });
            const e = await rejects(syncApplication(client(), ref, {}));
            assert.equal(e.reason, "sync-window");
        });

        it("terminateOperation: true when one ran, false when none is in progress", async () => {
            fake.addApp("cc-wc1", "clusters");
            const c = client();
            await syncApplication(c, ref, {});
            assert.equal(await terminateOperation(c, ref), true);
            assert.equal(await terminateOperation(c, ref), false);
            assert.equal(fake.requests.at(-1)?.query.get("project"), "clusters");
        });
    });
});
