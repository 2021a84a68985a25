// ApiServerReadyProvider against real TLS servers on 127.0.0.1 (management + workload fakes).
import * as assert from "node:assert/strict";
import { AddressInfo, createServer as createTcpServer, Socket } from "node:net";
import * as pulumi from "@pulumi/pulumi";
import {
    ApiServerReady,
    ApiServerReadyOutputs,
    ApiServerReadyProvider,
    DEFAULT_TIMEOUT_SECONDS,
} from "../../components/providers/apiServerReady";
import { types } from "../../components/constants";
import { createTestCa, TestCa, TestCert } from "../support/pki";
import { recordTrustBuilds } from "../support/trustBuilds";
import { virtualClock } from "../support/virtualClock";
import {
    buildKubeconfig,
    closedPort,
    FakeManagement,
    FakeWorkload,
    startFakeManagement,
    startFakeWorkload,
} from "../support/fakeApiServer";
// require-from-string ships no types; this is how the provider host loads __provider.
type RequireFromString = (code: string) => { handler: () => unknown };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const requireFromString = require("require-from-string") as RequireFromString;

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const OUTPUT_KEYS = [
    "clusterName",
    "namespace",
    "managementKubeconfig",
    "timeoutSeconds",
    "pollIntervalSeconds",
    "maxPollIntervalSeconds",
    "server",
    "caData",
    "kubeconfig",
];
const NS = "fleet-eu1";
const CLUSTER = "c1";
const TOKEN = "mgmt-token-7f3a9c1d5e8b2a4f6c0d";
// Fast knobs so failing cases end in about two seconds.
const FAST = { pollIntervalSeconds: 0.02, maxPollIntervalSeconds: 0.1 };

interface Pki {
    mgmtCa: TestCa;
    mgmtServer: TestCert;
    mgmtClient: TestCert;
    wlCa: TestCa;
    wlServer: TestCert;
    wlClient: TestCert;
    otherCa: TestCa;
    otherServer: TestCert;
}

describe("ApiServerReadyProvider", function () {
    let pki: Pki;
    const closers: (() => Promise<void>)[] = [];

    before(function () {
        const mgmtCa = createTestCa("mgmt CA");
        const wlCa = createTestCa("c1 CA");
        const otherCa = createTestCa("unrelated CA");
        pki = {
            mgmtCa,
            mgmtServer: mgmtCa.issue("kube-apiserver", "server"),
            mgmtClient: mgmtCa.issue("pulumi", "client", "fleet"),
            wlCa,
            wlServer: wlCa.issue("kube-apiserver", "server"),
            wlClient: wlCa.issue("kubernetes-admin", "client", "system:masters"),
            otherCa,
            otherServer: otherCa.issue("kube-apiserver", "server"),
        };
    });

    afterEach(async function () {
        while (closers.length > 0) {
            await closers.pop()!();
        }
    });

    async function workload(statuses: number[], cert = pki.wlServer): Promise<FakeWorkload> {
        const w = await startFakeWorkload({ serverCert: cert, statuses });
        closers.push(w.close);
        return w;
    }

    function workloadKubeconfig(server: string): string {
        return buildKubeconfig({
            server,
            caPem: pki.wlCa.certPem,
            cert: pki.wlClient,
            name: CLUSTER,
        });
    }

    async function management(
        kubeconfig: string | undefined,
        extra: { notFoundTimes?: number; clientAuth?: boolean } = {},
    ): Promise<FakeManagement> {
        const m = await startFakeManagement({
            serverCert: pki.mgmtServer,
            clientCaPem: extra.clientAuth ? pki.mgmtCa.certPem : undefined,
            token: extra.clientAuth ? undefined : TOKEN,
            namespace: NS,
            clusterName: CLUSTER,
            kubeconfig,
            notFoundTimes: extra.notFoundTimes,
        });
        closers.push(m.close);
        return m;
    }

    function mgmtKubeconfig(m: { url: string }, auth: { token?: string; cert?: TestCert }) {
        return buildKubeconfig({ server: m.url, caPem: pki.mgmtCa.certPem, name: "mgmt", ...auth });
    }

    function inputs(managementKubeconfig: string, extra: Record<string, unknown> = {}) {
        return {
            clusterName: CLUSTER,
            namespace: NS,
            managementKubeconfig,
            timeoutSeconds: 20,
            ...FAST,
            ...extra,
        };
    }

    // Deadlines, grace periods and request timeouts count the wait's own delays, not the
    // machine's load: only the provider's sleeps (and a test's advance()) move this clock.
    function recorder(tlsMismatchGraceMs?: number) {
        const lines: string[] = [];
        const clock = virtualClock();
        const provider = new ApiServerReadyProvider({
            progress: (l) => lines.push(l),
            progressIntervalMs: 0,
            tlsMismatchGraceMs,
            clock,
        });
        return { lines, provider, clock };
    }

    async function rejection(p: Promise<unknown>): Promise<Error> {
        try {
            await p;
        } catch (e) {
            return e as Error;
        }
        assert.fail("expected the promise to reject");
    }

    function assertNoSecrets(text: string, wlKubeconfig?: string) {
        assert.ok(!text.includes(TOKEN), "token leaked");
        for (const pem of [pki.mgmtClient.keyPem, pki.wlClient.keyPem]) {
            assert.ok(!text.includes(pem.trim().split("\n")[1]), "private key leaked");
            assert.ok(
                !text.includes(Buffer.from(pem).toString("base64").slice(0, 40)),
                "key leaked",
            );
        }
        if (wlKubeconfig) {
            assert.ok(!text.includes(wlKubeconfig), "kubeconfig leaked");
            assert.ok(!text.includes("client-key-data"), "kubeconfig fragment leaked");
        }
    }

    it("waits for the Secret and /readyz, then returns stable outputs", async function () {
        const w = await workload([503, 503, 200]);
        const wlKc = workloadKubeconfig(w.url);
        const m = await management(wlKc, { notFoundTimes: 3 });
        const { lines, provider } = recorder();
        const mk = mgmtKubeconfig(m, { token: TOKEN });

        const res = await provider.create(inputs(mk));

        assert.equal(res.id, `${NS}/${CLUSTER}`);
        const outs = res.outs as ApiServerReadyOutputs;
        assert.equal(outs.server, w.url);
        assert.equal(outs.caData, Buffer.from(pki.wlCa.certPem).toString("base64"));
        assert.equal(outs.kubeconfig, wlKc);
        // The inputs (diff gets old outputs) and what the program reads; nothing more in state.
        assert.deepEqual(Object.keys(outs).sort(), [...OUTPUT_KEYS].sort());
        assert.equal(outs.clusterName, CLUSTER);
        assert.equal(outs.namespace, NS);
        assert.equal(outs.managementKubeconfig, mk);
        assert.equal(outs.timeoutSeconds, 20);
        assert.equal(m.secretGets, 4);
        assert.equal(w.readyzTimes.length, 3);
        // Progress named each state it saw and never a credential.
        const text = lines.join("\n");
        assert.match(text, /waiting for .*last state: no kubeconfig Secret yet/);
        assert.match(text, new RegExp(`waiting for ${w.url}/readyz; last state: HTTP 503`));
        assert.match(text, /is ready after/);
        assertNoSecrets(text, wlKc);
    });

    it("authenticates to the management cluster with a client certificate", async function () {
        const w = await workload([200]);
        const m = await management(workloadKubeconfig(w.url), { clientAuth: true });
        const { provider } = recorder();
        const res = await provider.create(inputs(mgmtKubeconfig(m, { cert: pki.mgmtClient })));
        assert.equal((res.outs as ApiServerReadyOutputs).server, w.url);
        assert.equal(m.unauthorized, 0);
    });

    it("times out naming the cluster, the endpoint and the last HTTP status", async function () {
        const w = await workload([503]);
        const wlKc = workloadKubeconfig(w.url);
        const m = await management(wlKc);
        const { provider } = recorder();
        const err = await rejection(
            provider.create(inputs(mgmtKubeconfig(m, { token: TOKEN }), { timeoutSeconds: 2 })),
        );
        assert.match(err.message, new RegExp(`${NS}/${CLUSTER}`));
        assert.ok(err.message.includes(`${w.url}/readyz`), err.message);
        assert.match(err.message, /not ready within 2s/);
        assert.match(err.message, /last state: HTTP 503/);
        assertNoSecrets(err.message, wlKc);
        assert.ok(w.readyzTimes.length > 1, "it polled more than once");
    });

    it("times out with 'no kubeconfig Secret yet' when CAPI never writes it", async function () {
        const m = await management(undefined);
        const { provider } = recorder();
        const err = await rejection(
            provider.create(inputs(mgmtKubeconfig(m, { token: TOKEN }), { timeoutSeconds: 2 })),
        );
        assert.match(err.message, /last state: no kubeconfig Secret yet/);
        assert.match(err.message, new RegExp(`Secret ${NS}/${CLUSTER}-kubeconfig`));
        assert.ok(m.secretGets > 1);
        assertNoSecrets(err.message);
    });

    it("fails fast when the workload server certificate is not from the cluster CA, naming the VIP", async function () {
        const w = await workload([200], pki.otherServer);
        const wlKc = workloadKubeconfig(w.url);
        const m = await management(wlKc);
        const { provider } = recorder(0);
        const port = new URL(w.url).port;
        const err = await rejection(
            provider.create(inputs(mgmtKubeconfig(m, { token: TOKEN }), { timeoutSeconds: 20 })),
        );
        assert.match(err.message, new RegExp(`^ApiServerReady ${NS}/${CLUSTER}: `));
        assert.ok(
            err.message.includes(
                `the API server at ${w.url} (control-plane endpoint / VIP 127.0.0.1) presented ` +
                    `a certificate that the cluster CA (CN=c1 CA) from Secret ${NS}/${CLUSTER}-kubeconfig does not verify`,
            ),
            err.message,
        );
        assert.match(err.message, /another cluster or machine holding the same VIP/);
        assert.ok(err.message.includes(`openssl s_client -connect 127.0.0.1:${port}`), err.message);
        assert.match(err.message, /the Secret re-read in between/);
        assert.doesNotMatch(err.message, /raise timeoutSeconds/);
        assert.ok(m.secretGets >= 2, "the Secret was re-read before giving up");
        assert.equal(w.readyzTimes.length, 0, "no request over an unverified connection");
        assertNoSecrets(err.message, wlKc);
    });

    it("fails fast when the certificate is the cluster CA's but not issued for the endpoint name", async function () {
        const w = await workload([200]);
        const wlKc = buildKubeconfig({
            server: w.url,
            caPem: pki.wlCa.certPem,
            cert: pki.wlClient,
            name: CLUSTER,
            tlsServerName: "c1.fleet.example",
        });
        const m = await management(wlKc);
        const { provider } = recorder(0);
        const err = await rejection(
            provider.create(inputs(mgmtKubeconfig(m, { token: TOKEN }), { timeoutSeconds: 20 })),
        );
        assert.match(err.message, /signed by the cluster CA \(CN=c1 CA\)/);
        assert.match(
            err.message,
            /not issued for c1\.fleet\.example \(its SANs: IP Address:127\.0\.0\.1, DNS:localhost\)/,
        );
        assert.match(err.message, /apiServer\.certSANs of the KubeadmControlPlane/);
        assertNoSecrets(err.message, wlKc);
    });

    it("at the deadline, names a certificate mismatch instead of suggesting a longer timeout", async function () {
        const w = await workload([200], pki.otherServer);
        const wlKc = workloadKubeconfig(w.url);
        const m = await management(wlKc);
        // The default grace (60 s) outlasts the deadline.
        const { lines, provider } = recorder();
        const err = await rejection(
            provider.create(inputs(mgmtKubeconfig(m, { token: TOKEN }), { timeoutSeconds: 3 })),
        );
        assert.match(err.message, /was not ready within 3s/);
        assert.match(err.message, /presented a certificate that the cluster CA \(CN=c1 CA\)/);
        assert.doesNotMatch(err.message, /raise timeoutSeconds/);
        assert.match(lines.join("\n"), /last state: TLS error: /);
        assertNoSecrets(err.message, wlKc);
    });

    it("re-reads the Secret after a TLS error and succeeds once it carries the right CA", async function () {
        const w = await workload([200], pki.otherServer);
        const m = await management(workloadKubeconfig(w.url));
        const { lines, provider } = recorder(0);
        const fixed = buildKubeconfig({
            server: w.url,
            caPem: pki.otherCa.certPem,
            cert: pki.wlClient,
            name: CLUSTER,
        });
        // The re-read after the first TLS error finds the Secret re-created with the right CA.
        m.beforeSecretGet = (n) => n === 2 && m.setKubeconfig(fixed);
        const res = await provider.create(inputs(mgmtKubeconfig(m, { token: TOKEN })));
        assert.equal((res.outs as ApiServerReadyOutputs).kubeconfig, fixed);
        assert.equal(
            (res.outs as ApiServerReadyOutputs).caData,
            Buffer.from(pki.otherCa.certPem).toString("base64"),
        );
        assert.match(lines.join("\n"), /last state: TLS error/);
        assert.equal(m.secretGets, 2);
        assert.equal(w.readyzTimes.length, 1);
    });

    it("probes again when a Secret deleted after a TLS error comes back unchanged", async function () {
        // The VIP briefly answers with a certificate from another CA; then CAPI re-creates the
        // Secret with the same content, and the right server answers.
        const w = await workload([200], pki.otherServer);
        const wlKc = workloadKubeconfig(w.url);
        const m = await management(wlKc);
        const { provider } = recorder();
        m.beforeSecretGet = (n) => {
            if (n === 2) m.setKubeconfig(undefined);
            if (n === 3) {
                m.setKubeconfig(wlKc);
                w.setServerCert(pki.wlServer);
            }
        };
        const res = await provider.create(inputs(mgmtKubeconfig(m, { token: TOKEN })));
        assert.equal((res.outs as ApiServerReadyOutputs).kubeconfig, wlKc);
        assert.equal(m.secretGets, 3);
        assert.equal(w.readyzTimes.length, 1);
    });

    it("reports connection refused when nothing listens at the endpoint", async function () {
        const port = await closedPort();
        const wlKc = workloadKubeconfig(`https://127.0.0.1:${port}`);
        const m = await management(wlKc);
        const { provider } = recorder();
        const err = await rejection(
            provider.create(inputs(mgmtKubeconfig(m, { token: TOKEN }), { timeoutSeconds: 2 })),
        );
        assert.match(err.message, /last state: connection refused/);
        assert.ok(err.message.includes(`https://127.0.0.1:${port}/readyz`), err.message);
    });

    it("reports timeout when the endpoint accepts connections but never answers", async function () {
        const { provider, clock } = recorder();
        const sockets: Socket[] = [];
        // It accepts each connection and stays silent while a whole request timeout (10 s)
        // passes; a timeout on the wall clock would outlast the test.
        const silent = createTcpServer((sock) => {
            sockets.push(sock);
            clock.advance(10_000);
        });
        await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
        closers.push(async () => {
            sockets.forEach((sock) => sock.destroy());
            await new Promise<void>((resolve) => silent.close(() => resolve()));
        });
        const url = `https://127.0.0.1:${(silent.address() as AddressInfo).port}`;
        const m = await management(workloadKubeconfig(url));
        const err = await rejection(
            provider.create(inputs(mgmtKubeconfig(m, { token: TOKEN }), { timeoutSeconds: 60 })),
        );
        assert.match(err.message, /not ready within 60s/);
        assert.match(err.message, /last state: timeout/);
        // Each probe waited out its 10 s, then the next one started: 6 fit into 60 s.
        assert.equal(sockets.length, 6);
    });

    it("rides out flapping 5xx answers until /readyz returns 200", async function () {
        const w = await workload([500, 503, 500, 502, 503, 200]);
        const m = await management(workloadKubeconfig(w.url));
        const { lines, provider } = recorder();
        const res = await provider.create(inputs(mgmtKubeconfig(m, { token: TOKEN })));
        assert.equal((res.outs as ApiServerReadyOutputs).server, w.url);
        assert.equal(w.readyzTimes.length, 6);
        assert.match(lines.join("\n"), /last state: HTTP 502/);
    });

    it("builds each server's TLS context once per wait, not once per request", async function () {
        const w = await workload([503, 503, 503, 200]);
        const m = await management(workloadKubeconfig(w.url), { notFoundTimes: 2 });
        const { provider } = recorder();
        const built = await recordTrustBuilds(() =>
            provider.create(inputs(mgmtKubeconfig(m, { token: TOKEN }))),
        );
        assert.equal(m.secretGets, 3);
        assert.equal(w.readyzTimes.length, 4);
        assert.deepEqual(built, [pki.mgmtCa.certPem, pki.wlCa.certPem]);
    });

    it("fails fast on management 401 without echoing the token", async function () {
        const w = await workload([200]);
        const m = await management(workloadKubeconfig(w.url));
        const { provider } = recorder();
        const badToken = "wrong-token-0123456789abcdef";
        const err = await rejection(
            provider.create(
                inputs(mgmtKubeconfig(m, { token: badToken }), { timeoutSeconds: 600 }),
            ),
        );
        assert.match(err.message, /HTTP 401 Unauthorized/);
        assert.match(err.message, /managementKubeconfig/);
        assert.ok(!err.message.includes(badToken));
        assert.equal(m.secretGets, 1, "no retries on 401");
        assert.equal(w.readyzTimes.length, 0);
    });

    it("fails fast when the management server certificate does not verify", async function () {
        const m = await management(undefined);
        const { provider } = recorder();
        const mk = buildKubeconfig({
            server: m.url,
            caPem: pki.wlCa.certPem, // wrong CA for the management server
            token: TOKEN,
            name: "mgmt",
        });
        const err = await rejection(provider.create(inputs(mk, { timeoutSeconds: 600 })));
        assert.match(err.message, /TLS error/);
        assert.match(err.message, /certificate-authority-data in managementKubeconfig/);
        assertNoSecrets(err.message);
    });

    it("rejects exec-based management credentials in check and create", async function () {
        const mk = buildKubeconfig({
            server: "https://127.0.0.1:6443",
            caPem: pki.mgmtCa.certPem,
            name: "mgmt",
            extraUser: { exec: { command: "aws", args: ["eks", "get-token"] } },
        });
        const provider = new ApiServerReadyProvider();
        const checked = await provider.check({}, inputs(mk));
        assert.equal(checked.failures?.length, 1);
        assert.equal(checked.failures?.[0].property, "managementKubeconfig");
        assert.match(checked.failures![0].reason, /exec is not supported/);
        const err = await rejection(provider.create(inputs(mk)));
        assert.match(err.message, /exec is not supported/);
    });

    describe("check", function () {
        it("fills defaults and names each bad field", async function () {
            const provider = new ApiServerReadyProvider();
            const mk = buildKubeconfig({ server: "https://10.0.0.1:6443", token: TOKEN });
            const ok = await provider.check(
                {},
                { clusterName: "c1", namespace: "ns", managementKubeconfig: mk },
            );
            assert.deepEqual(ok.failures, []);
            assert.equal(ok.inputs?.timeoutSeconds, DEFAULT_TIMEOUT_SECONDS);

            const bad = await provider.check(
                {},
                {
                    clusterName: "C1_bad",
                    namespace: "",
                    managementKubeconfig: "not: [valid",
                    timeoutSeconds: -1,
                },
            );
            const props = (bad.failures ?? []).map((f) => f.property).sort();
            assert.deepEqual(props, [
                "clusterName",
                "managementKubeconfig",
                "namespace",
                "timeoutSeconds",
            ]);
            for (const f of bad.failures ?? []) {
                assert.ok(f.reason.length > 0);
            }
        });

        it("accepts unknown values during preview", async function () {
            const provider = new ApiServerReadyProvider();
            const res = await provider.check(
                {},
                {
                    clusterName: UNKNOWN,
                    namespace: UNKNOWN,
                    managementKubeconfig: UNKNOWN,
                    timeoutSeconds: UNKNOWN,
                },
            );
            assert.deepEqual(res.failures, []);
            assert.equal(res.inputs?.clusterName, UNKNOWN);
        });
    });

    describe("diff", function () {
        const provider = new ApiServerReadyProvider();
        const mk = buildKubeconfig({ server: "https://10.0.0.1:6443", token: TOKEN, name: "mgmt" });
        const olds = {
            __provider: "exports.handler = old",
            clusterName: CLUSTER,
            namespace: NS,
            managementKubeconfig: mk,
            timeoutSeconds: 1800,
            pollIntervalSeconds: 1,
            maxPollIntervalSeconds: 5,
            server: "https://10.0.0.5:6443",
            caData: "Zm9v",
            kubeconfig: "k",
            secretName: `${CLUSTER}-kubeconfig`,
            certData: "",
            keyData: "",
        };
        const news = {
            __provider: "exports.handler = new",
            clusterName: CLUSTER,
            namespace: NS,
            managementKubeconfig: mk,
            timeoutSeconds: 1800,
            pollIntervalSeconds: 1,
            maxPollIntervalSeconds: 5,
        };

        it("shows no change for identical inputs and a different __provider", async function () {
            assert.deepEqual(await provider.diff("id", olds, news), {
                changes: false,
                replaces: [],
            });
        });

        it("ignores the timeout knobs", async function () {
            const r = await provider.diff("id", olds, {
                ...news,
                timeoutSeconds: 60,
                pollIntervalSeconds: 3,
                maxPollIntervalSeconds: 30,
            });
            assert.equal(r.changes, false);
        });

        it("treats a re-serialized but equivalent management kubeconfig as unchanged", async function () {
            const same = buildKubeconfig({
                server: "https://10.0.0.1:6443/",
                token: TOKEN,
                name: "other-name",
            });
            assert.notEqual(same, mk);
            assert.equal(
                (await provider.diff("id", olds, { ...news, managementKubeconfig: same })).changes,
                false,
            );
        });

        it("updates in place when management credentials change", async function () {
            const rotated = buildKubeconfig({
                server: "https://10.0.0.1:6443",
                token: "rotated-token-xyz",
                name: "mgmt",
            });
            const r = await provider.diff("id", olds, { ...news, managementKubeconfig: rotated });
            assert.deepEqual(r, { changes: true, replaces: [] });
        });

        it("replaces when the cluster identity changes", async function () {
            assert.deepEqual(await provider.diff("id", olds, { ...news, clusterName: "c2" }), {
                changes: true,
                replaces: ["clusterName"],
            });
            assert.deepEqual(await provider.diff("id", olds, { ...news, namespace: "other" }), {
                changes: true,
                replaces: ["namespace"],
            });
        });

        it("handles unknown values without crashing", async function () {
            const r1 = await provider.diff("id", olds, { ...news, clusterName: UNKNOWN });
            assert.deepEqual(r1, { changes: true, replaces: ["clusterName"] });
            const r2 = await provider.diff("id", olds, { ...news, managementKubeconfig: UNKNOWN });
            assert.deepEqual(r2, { changes: true, replaces: [] });
            const r3 = await provider.diff("id", olds, {
                ...news,
                timeoutSeconds: UNKNOWN,
                __provider: UNKNOWN,
            });
            assert.equal(r3.changes, false);
        });
    });

    describe("read, update, delete", function () {
        it("read re-fetches the Secret, follows rotation, and drops a deleted Secret", async function () {
            const w = await workload([200]);
            const wlKc = workloadKubeconfig(w.url);
            const m = await management(wlKc);
            const { provider } = recorder();
            const created = await provider.create(inputs(mgmtKubeconfig(m, { token: TOKEN })));
            const outs = created.outs as ApiServerReadyOutputs;

            const same = await provider.read!(created.id, outs);
            assert.equal(same.id, created.id);
            assert.deepEqual(same.props, outs, "an unchanged cluster reads back identical state");

            // KCP renewed the client certificate.
            const renewed = pki.wlCa.issue("kubernetes-admin", "client", "system:masters");
            const rotatedKc = buildKubeconfig({
                server: w.url,
                caPem: pki.wlCa.certPem,
                cert: renewed,
                name: CLUSTER,
            });
            m.setKubeconfig(rotatedKc);
            const rotated = await provider.read!(created.id, outs);
            assert.equal(rotated.props?.kubeconfig, rotatedKc);
            assert.equal(rotated.props?.server, w.url);

            m.setKubeconfig(undefined);
            const gone = await provider.read!(created.id, outs);
            assert.equal(gone.id, "");
        });

        it("update waits like create and returns the full outputs", async function () {
            const w = await workload([200]);
            const m = await management(workloadKubeconfig(w.url));
            const { provider } = recorder();
            const mk = mgmtKubeconfig(m, { token: TOKEN });
            const created = await provider.create(inputs(mk));
            const updated = await provider.update!(
                created.id,
                created.outs as ApiServerReadyOutputs,
                inputs(mk, { timeoutSeconds: 30 }),
            );
            assert.deepEqual(updated.outs, { ...created.outs, timeoutSeconds: 30 });
        });

        it("delete is a no-op", async function () {
            const provider = new ApiServerReadyProvider();
            await provider.delete();
        });
    });

    it("survives serializeFunction and works from the deserialized copy", async function () {
        const w = await workload([503, 200]);
        const m = await management(workloadKubeconfig(w.url), { notFoundTimes: 1 });
        const provider = new ApiServerReadyProvider({ progress: () => undefined });
        const sf = await pulumi.runtime.serializeFunction(() => provider);
        assert.ok(!sf.text.includes(TOKEN));
        const copy = requireFromString(sf.text).handler() as ApiServerReadyProvider;
        const res = await copy.create(inputs(mgmtKubeconfig(m, { token: TOKEN })));
        assert.equal((res.outs as ApiServerReadyOutputs).server, w.url);
        const d = await copy.diff(
            res.id,
            res.outs as Record<string, unknown>,
            inputs(mgmtKubeconfig(m, { token: TOKEN })),
        );
        assert.equal(d.changes, false);
    });
    it("explains a certificate mismatch in the deserialized copy too", async function () {
        const w = await workload([200], pki.otherServer);
        const m = await management(workloadKubeconfig(w.url));
        const provider = new ApiServerReadyProvider({
            progress: () => undefined,
            tlsMismatchGraceMs: 0,
        });
        const sf = await pulumi.runtime.serializeFunction(() => provider);
        const copy = requireFromString(sf.text).handler() as ApiServerReadyProvider;
        const err = await rejection(
            copy.create(inputs(mgmtKubeconfig(m, { token: TOKEN }), { timeoutSeconds: 20 })),
        );
        assert.match(err.message, /the cluster CA \(CN=c1 CA\) from Secret .* does not verify/);
        assert.match(err.message, /UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
    });

    describe("ApiServerReady resource (mocks)", function () {
        const registered: { type: string; inputs: Record<string, unknown>; aso: string[] }[] = [];

        before(async function () {
            await pulumi.runtime.setMocks(
                {
                    newResource: (a) => ({
                        id: `${a.name}-id`,
                        state: { ...a.inputs, server: "https://10.0.0.5:6443", kubeconfig: "kc" },
                    }),
                    call: (a) => {
                        throw new Error(`Mock not implemented: ${a.token}`);
                    },
                },
                "cluster-fleet",
                "eu1",
                false,
            );
            // Mocks ignore additionalSecretOutputs; record them from the raw request instead.
            type Req = {
                getType(): string;
                getAdditionalsecretoutputsList(): string[];
                getObject(): Parameters<typeof pulumi.runtime.deserializeProperties>[0];
            };
            const monitor = pulumi.runtime.getMonitor() as unknown as {
                registerResource(req: Req, cb: unknown): Promise<void>;
            };
            const original = monitor.registerResource.bind(monitor);
            monitor.registerResource = async (req, cb) => {
                registered.push({
                    type: req.getType(),
                    inputs: await pulumi.runtime.deserializeProperties(req.getObject()),
                    aso: req.getAdditionalsecretoutputsList(),
                });
                return original(req, cb);
            };
        });

        it("registers with the shared type token, secret credentials and a serialized provider", async function () {
            const r = new ApiServerReady(
                "c1-ready",
                {
                    clusterName: CLUSTER,
                    namespace: NS,
                    managementKubeconfig: "apiVersion: v1", // plain on purpose: the class wraps it
                    timeoutSeconds: 60,
                },
                { additionalSecretOutputs: ["caData"] },
            );
            const server = await new Promise<string>((resolve) => r.server.apply(resolve));
            assert.equal(server, "https://10.0.0.5:6443");
            const reg = registered.find((x) => x.type === types.ApiServerReady);
            assert.ok(reg, `no registration with type ${types.ApiServerReady}`);
            assert.deepEqual([...reg.aso].sort(), ["caData", "kubeconfig", "managementKubeconfig"]);
            // Only the outputs the program reads (and the inputs) exist on the resource.
            for (const gone of ["secretName", "certData", "keyData"]) {
                assert.equal((r as unknown as Record<string, unknown>)[gone], undefined, gone);
            }
            const mk = reg.inputs.managementKubeconfig as Record<string, unknown>;
            assert.equal(
                mk["4dabf18193072939515e22adb298388d"],
                "1b47061264138c4ac30d75fd1eb44270",
            );
            assert.equal(typeof reg.inputs.__provider, "string");
            assert.match(reg.inputs.__provider as string, /exports\.handler/);
            assert.equal(reg.inputs.clusterName, CLUSTER);
        });
    });
});
