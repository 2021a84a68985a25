import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { RunError } from "@pulumi/pulumi/errors";
import { ConfigError } from "../../components/config/checker";
import { loadRegion } from "../../components/config/load";
import { TEST_SECRETS } from "../support/deployRegion";
import { installMocks } from "../support/mocks";
import { clone, rawStackConfig, toEngineConfig } from "../support/regionFixtures";

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Sets the stack config as the engine would (secrets marked secret unless listed) and loads it. */
function load(raw: Raw, plaintext: string[] = []): unknown {
    pulumi.runtime.setAllConfig(
        { ...toEngineConfig(raw), ...TEST_SECRETS },
        Object.keys(TEST_SECRETS).filter((k) => !plaintext.includes(k)),
    );
    try {
        loadRegion();
    } catch (e) {
        return e;
    }
    return undefined;
}

describe("loading a region's config", () => {
    beforeEach(() => installMocks("prod"));

    it("lists a syntax error, an IP-plan overlap and a plaintext secret in one error, each once", async () => {
        const raw: Raw = clone(rawStackConfig("prod"));
        raw.clusters[1].addressBlock = "10.60.1.0/25"; // overlaps payments' 10.60.1.0/26
        raw.clusters[2].name = "Analytics"; // not a DNS-1123 label
        const e2 = load(raw, ["cluster-fleet:vspherePassword"]);
        assert.ok(e2 instanceof ConfigError, String(e2));
        const paths = e2.issues.map((i) => i.path);
        assert.deepEqual(paths.sort(), [
            "clusters[0].addressBlock",
            "clusters[2].name",
            "vspherePassword",
        ]);
        assert.ok(!e2.message.includes(TEST_SECRETS["cluster-fleet:vspherePassword"]));
    });

    it("throws a RunError whose message holds every problem once (no stack in pulumi preview)", () => {
        const raw: Raw = clone(rawStackConfig("prod"));
        raw.vsphere.server = "https://vcenter.fra1.fleet.example.net";
        raw.clusters[0].controlPlane.replicas = 2;
        const e = load(raw, ["cluster-fleet:argocdToken"]);
        assert.ok(e instanceof RunError, "not a RunError");
        assert.ok(RunError.isInstance(e), "the language host would not recognise it");
        const msg = (e as Error).message;
        const lines = msg.split("\n").filter((l) => l.startsWith("  - "));
        assert.equal(lines.length, 3, msg);
        assert.equal(new Set(lines).size, lines.length, "a problem is listed twice");
        assert.match(msg, /^invalid cluster-fleet configuration \(3 problems\):\n/);
        for (const p of ["vsphere.server", "clusters[0].controlPlane.replicas", "argocdToken"]) {
            assert.equal(lines.filter((l) => l.startsWith(`  - ${p}: `)).length, 1, p);
        }
    });

    it("requires the router SSH key when a router has ssh, even if the routers are otherwise invalid", () => {
        const raw: Raw = clone(rawStackConfig("prod"));
        raw.bgp.routers[0].asNumber = "65000";
        const secrets = { ...TEST_SECRETS };
        delete secrets["cluster-fleet:routerSshKey"];
        pulumi.runtime.setAllConfig({ ...toEngineConfig(raw), ...secrets }, Object.keys(secrets));
        assert.throws(
            () => loadRegion(),
            (e: ConfigError) =>
                e.issues.some((i) => i.path === "routerSshKey") &&
                e.issues.some((i) => i.path === "bgp.routers[0].asNumber"),
        );
    });

    it("checks the management kubeconfig before registration, without echoing it", () => {
        const secrets = {
            ...TEST_SECRETS,
            "cluster-fleet:managementKubeconfig":
                "apiVersion: v1\nkind: Config\nclusters: [{name: m, cluster: {server: 'http://10.1.2.3', insecure-skip-tls-verify: true}}]\ncontexts: [{name: m, context: {cluster: m}}]\n",
        };
        pulumi.runtime.setAllConfig(
            { ...toEngineConfig(clone(rawStackConfig("dev"))), ...secrets },
            Object.keys(secrets),
        );
        assert.throws(
            () => loadRegion(),
            (e: ConfigError) => {
                assert.equal(e.issues.length, 1, e.message);
                assert.equal(e.issues[0].path, "managementKubeconfig");
                assert.match(e.issues[0].message, /server must use https:\/\/; re-set it with/);
                assert.ok(!e.message.includes("10.1.2.3"));
                return true;
            },
        );
    });

    it("checks the form of the Argo CD token and the router key, without echoing them", () => {
        const secrets = {
            ...TEST_SECRETS,
            "cluster-fleet:argocdToken": "tok-123\n",
            "cluster-fleet:routerSshKey": "ssh-ed25519 AAAAsecretpublic",
        };
        pulumi.runtime.setAllConfig(
            { ...toEngineConfig(clone(rawStackConfig("prod"))), ...secrets },
            Object.keys(secrets),
        );
        assert.throws(
            () => loadRegion(),
            (e: ConfigError) => {
                assert.deepEqual(
                    e.issues.map((i) => i.path),
                    ["argocdToken", "routerSshKey"],
                );
                assert.match(e.message, /argocdToken: contains whitespace or a line break/);
                assert.match(e.message, /routerSshKey: is not a private key/);
                assert.ok(!e.message.includes("tok-123") && !e.message.includes("AAAAsecret"));
                return true;
            },
        );
    });

    it("hands out the credentials as secret Outputs of their configured values", async () => {
        pulumi.runtime.setAllConfig(
            { ...toEngineConfig(clone(rawStackConfig("prod"))), ...TEST_SECRETS },
            Object.keys(TEST_SECRETS),
        );
        const { secrets } = loadRegion();
        for (const [key, out] of Object.entries(secrets)) {
            assert.equal(await pulumi.isSecret(out), true, key);
            const value = await new Promise((resolve) => out.apply(resolve));
            assert.equal(value, TEST_SECRETS[`cluster-fleet:${key}`], key);
        }
        assert.equal(Object.keys(secrets).length, 3);
    });
});
