// parseKubeconfig: current-context resolution, embedded data only, clear field-named errors.
import * as assert from "node:assert/strict";
import { dump } from "js-yaml";
import { KubeconfigError, parseKubeconfig } from "../../components/providers/kubeconfig";
import { createTestCa, TestCa, TestCert } from "../support/pki";
import { buildKubeconfig } from "../support/fakeApiServer";

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

describe("parseKubeconfig", function () {
    let ca: TestCa;
    let client: TestCert;

    before(function () {
        ca = createTestCa("kubeconfig test CA");
        client = ca.issue("kubernetes-admin", "client", "system:masters");
    });

    function doc(overrides: { cluster?: object; user?: object; top?: object } = {}): string {
        return dump({
            apiVersion: "v1",
            kind: "Config",
            clusters: [
                { name: "other", cluster: { server: "https://10.9.9.9:6443" } },
                {
                    name: "c1",
                    cluster: {
                        server: "https://10.0.0.5:6443",
                        "certificate-authority-data": b64(ca.certPem),
                        ...overrides.cluster,
                    },
                },
            ],
            users: [{ name: "c1-admin", user: { token: "abc.def", ...overrides.user } }],
            contexts: [
                { name: "other", context: { cluster: "other", user: "c1-admin" } },
                { name: "c1-admin@c1", context: { cluster: "c1", user: "c1-admin" } },
            ],
            "current-context": "c1-admin@c1",
            ...overrides.top,
        });
    }

    function parseError(text: string): KubeconfigError {
        try {
            parseKubeconfig(text, "managementKubeconfig");
        } catch (e) {
            assert.ok(e instanceof KubeconfigError, String(e));
            return e;
        }
        assert.fail("expected a KubeconfigError");
    }

    it("follows current-context to the cluster and user", function () {
        const t = parseKubeconfig(doc());
        assert.equal(t.contextName, "c1-admin@c1");
        assert.equal(t.clusterEntry, "c1");
        assert.equal(t.server, "https://10.0.0.5:6443");
        assert.equal(t.caPem, ca.certPem);
        assert.equal(t.caData, b64(ca.certPem));
        assert.deepEqual(t.auth, { token: "abc.def" });
    });

    it("reads CAPI-style client certificates", function () {
        const text = buildKubeconfig({
            server: "https://10.0.0.5:6443/",
            caPem: ca.certPem,
            cert: client,
            name: "c1",
        });
        const t = parseKubeconfig(text);
        assert.equal(t.server, "https://10.0.0.5:6443");
        assert.equal(t.auth.certPem, client.certPem);
        assert.equal(t.auth.keyPem, client.keyPem);
        assert.equal(t.auth.token, undefined);
    });

    it("uses the only context when current-context is unset, and keeps tls-server-name", function () {
        const text = dump({
            clusters: [
                {
                    name: "x",
                    cluster: {
                        server: "https://[fd00::1]:6443/prefix",
                        "tls-server-name": "api.x",
                    },
                },
            ],
            users: [{ name: "u", user: {} }],
            contexts: [{ name: "only", context: { cluster: "x", user: "u" } }],
        });
        const t = parseKubeconfig(text);
        assert.equal(t.contextName, "only");
        assert.equal(t.server, "https://[fd00::1]:6443/prefix");
        assert.equal(t.tlsServerName, "api.x");
        assert.equal(t.caPem, undefined);
        assert.deepEqual(t.auth, {});
    });

    const rejected: [string, () => string, RegExp][] = [
        ["exec credential plugins", () => doc({ user: { exec: { command: "x" } } }), /user\.exec/],
        [
            "auth-provider",
            () => doc({ user: { "auth-provider": { name: "oidc" } } }),
            /auth-provider is not supported/,
        ],
        ["basic auth", () => doc({ user: { username: "a", password: "b" } }), /basic auth/],
        [
            "token files",
            () => doc({ user: { token: undefined, tokenFile: "/t" } }),
            /tokenFile refers to a file/,
        ],
        [
            "CA files",
            () =>
                doc({
                    cluster: {
                        "certificate-authority": "/ca.crt",
                        "certificate-authority-data": undefined,
                    },
                }),
            /certificate-authority refers to a file.*--flatten/,
        ],
        [
            "insecure-skip-tls-verify",
            () => doc({ cluster: { "insecure-skip-tls-verify": true } }),
            /insecure-skip-tls-verify is not allowed/,
        ],
        [
            "plain http",
            () => doc({ cluster: { server: "http://10.0.0.5:6443" } }),
            /must use https/,
        ],
        ["a missing server", () => doc({ cluster: { server: "" } }), /server is not set/],
        [
            "a dangling context",
            () => doc({ top: { "current-context": "nope" } }),
            /no contexts entry named "nope"/,
        ],
        [
            "a CA that is not PEM",
            () => doc({ cluster: { "certificate-authority-data": b64("hello") } }),
            /certificate-authority-data does not decode to a PEM block/,
        ],
        [
            "a certificate without key",
            () => doc({ user: { "client-certificate-data": b64(client.certPem) } }),
            /needs both client-certificate-data and client-key-data/,
        ],
        ["an empty text", () => "  ", /managementKubeconfig is empty/],
        ["a YAML scalar", () => "just a string", /must be a YAML mapping/],
    ];
    for (const [what, make, pattern] of rejected) {
        it(`rejects ${what} with a message naming the field`, function () {
            assert.match(parseError(make()).message, pattern);
        });
    }

    it("reports YAML syntax errors without quoting the document", function () {
        const secretLine = `    token: "s3cr3t-value-that-must-not-leak`;
        const err = parseError(`users:\n  - name: u\n    user:\n${secretLine}\n`);
        assert.match(err.message, /managementKubeconfig is not valid YAML at line \d+/);
        assert.ok(!err.message.includes("s3cr3t"), err.message);
    });
});
