// State written by earlier versions of ApiServerReady, which also stored secretName, certData and
// keyData: the new provider must take it as no change, and drop those outputs on update/refresh.
import * as assert from "node:assert/strict";
import {
    ApiServerReadyOutputs,
    ApiServerReadyProvider,
    SECRET_OUTPUTS,
} from "../../components/providers/apiServerReady";
import { createTestCa, TestCa, TestCert } from "../support/pki";
import { virtualClock } from "../support/virtualClock";
import {
    buildKubeconfig,
    FakeManagement,
    FakeWorkload,
    startFakeManagement,
    startFakeWorkload,
} from "../support/fakeApiServer";

const NS = "fleet-eu1";
const CLUSTER = "c1";
const TOKEN = "mgmt-token-legacy-4b1e9d";
const DROPPED = ["secretName", "certData", "keyData"];
const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

describe("ApiServerReadyProvider on state of earlier versions", function () {
    let mgmtCa: TestCa;
    let wlCa: TestCa;
    let wlClient: TestCert;
    let m: FakeManagement;
    let w: FakeWorkload;
    let wlKc: string;
    let mk: string;

    before(async function () {
        mgmtCa = createTestCa("mgmt CA");
        wlCa = createTestCa("c1 CA");
        wlClient = wlCa.issue("kubernetes-admin", "client", "system:masters");
        w = await startFakeWorkload({ serverCert: wlCa.issue("kube-apiserver", "server") });
        wlKc = buildKubeconfig({
            server: w.url,
            caPem: wlCa.certPem,
            cert: wlClient,
            name: CLUSTER,
        });
        m = await startFakeManagement({
            serverCert: mgmtCa.issue("kube-apiserver", "server"),
            token: TOKEN,
            namespace: NS,
            clusterName: CLUSTER,
            kubeconfig: wlKc,
        });
        mk = buildKubeconfig({ server: m.url, caPem: mgmtCa.certPem, token: TOKEN, name: "mgmt" });
    });

    after(async function () {
        await m.close();
        await w.close();
    });

    /** What the program registers, as check() hands it on (the host adds the new __provider). */
    function news(): Record<string, unknown> {
        return {
            __provider: "exports.handler = new",
            clusterName: CLUSTER,
            namespace: NS,
            managementKubeconfig: mk,
            timeoutSeconds: 20,
            pollIntervalSeconds: 0.02,
            maxPollIntervalSeconds: 0.1,
        };
    }

    /** Outputs exactly as the previous outputsFor() wrote them, plus the host's __provider. */
    function legacyOutputs(): Record<string, unknown> {
        return {
            ...news(),
            __provider: "exports.handler = old",
            secretName: `${CLUSTER}-kubeconfig`,
            server: w.url,
            caData: b64(wlCa.certPem),
            kubeconfig: wlKc,
            certData: b64(wlClient.certPem),
            keyData: b64(wlClient.keyPem),
        };
    }

    const provider = () => new ApiServerReadyProvider({ clock: virtualClock() });

    it("checks the same inputs to no change: no update, no replacement", async function () {
        const p = provider();
        const checked = await p.check(legacyOutputs(), news());
        assert.deepEqual(checked.failures, []);
        const d = await p.diff(`${NS}/${CLUSTER}`, legacyOutputs(), checked.inputs!);
        assert.deepEqual(d, { changes: false, replaces: [] });
    });

    it("still updates in place, not replaces, when the management credentials change", async function () {
        const rotated = buildKubeconfig({
            server: m.url,
            caPem: mgmtCa.certPem,
            token: "rotated-token-x",
            name: "mgmt",
        });
        const d = await provider().diff(`${NS}/${CLUSTER}`, legacyOutputs(), {
            ...news(),
            managementKubeconfig: rotated,
        });
        assert.deepEqual(d, { changes: true, replaces: [] });
    });

    it("update writes the new outputs only", async function () {
        const res = await provider().update(
            `${NS}/${CLUSTER}`,
            legacyOutputs() as unknown as ApiServerReadyOutputs,
            news() as never,
        );
        const outs = res.outs as Record<string, unknown>;
        for (const k of DROPPED) {
            assert.ok(!(k in outs), `update kept ${k}`);
        }
        assert.equal(outs.kubeconfig, wlKc);
        assert.equal(outs.server, w.url);
    });

    it("refresh (read) writes the new outputs only", async function () {
        const res = await provider().read(
            `${NS}/${CLUSTER}`,
            legacyOutputs() as unknown as ApiServerReadyOutputs,
        );
        assert.equal(res.id, `${NS}/${CLUSTER}`);
        const props = res.props as Record<string, unknown>;
        for (const k of [...DROPPED, "__provider"]) {
            assert.ok(!(k in props), `read kept ${k}`);
        }
        assert.equal(props.caData, b64(wlCa.certPem));
    });

    it("every output that carries a credential is declared secret", async function () {
        const res = await provider().create(news() as never);
        const credentials = [TOKEN, wlClient.keyPem, b64(wlClient.keyPem)];
        const holders = Object.entries(res.outs as Record<string, unknown>)
            .filter(([, v]) => typeof v === "string" && credentials.some((c) => v.includes(c)))
            .map(([k]) => k);
        assert.deepEqual(holders.sort(), ["kubeconfig", "managementKubeconfig"]);
        assert.deepEqual([...SECRET_OUTPUTS].sort(), holders);
    });
});
