// Property-based config fuzzing: mutations of the committed region configs (wrong types, values
// out of range, odd names, addresses in and around the subnet, duplicates, missing keys). For
// every mutation the program either refuses it with a ConfigError whose problems carry key
// paths, before anything is registered, or registers objects that pass the upstream CRD schemas
// and the region invariants. Anything else (another error type, an error once registration has
// started, an unhandled rejection, a duplicate URN) is a crash. fast-check prints the seed and
// the shrunk counterexample on failure; FUZZ_SEED=<seed> replays a run, FUZZ_RUNS=<n> runs n
// times as many cases.
import * as assert from "node:assert/strict";
import * as fc from "fast-check";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../../components/config/checker";
import {
    ParsedRegion,
    REGION_KEYS,
    SECRET_KEYS,
    parseRegionConfig,
} from "../../components/config/parse";
import { buildArgoClusterSecret } from "../../components/argocd/clusterSecret";
import {
    buildClusterConfigApplication,
    buildCpiCredentialsSecret,
    renderVsphereConf,
} from "../../components/argocd/clusterConfigApp";
import { listenRangeSpec } from "../../components/bgp/listenRange";
import * as capi from "../../components/capi";
import { vmFolderPaths } from "../../components/vsphere/preflight";
import { types } from "../../components/constants";
import { crdProblems } from "../support/crdValidators";
import { deployRegion } from "../support/deployRegion";
import { unsecret, unwrap } from "../support/mocks";
import { addressProblems, referenceProblems } from "../support/regionInvariants";
import { clone, rawStackConfig } from "../support/regionFixtures";

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Path = (string | number)[];

/** One edit of a raw config, with a readable description for counterexamples. */
interface Mutation {
    readonly text: string;
    apply(raw: Raw): void;
    [fc.toStringMethod](): string;
}

/** Counterexamples print as their descriptions. */
const mutation = (text: string, apply: (raw: Raw) => void): Mutation => ({
    text,
    apply,
    [fc.toStringMethod]: () => text,
});

const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
/** FUZZ_RUNS=<factor> multiplies the run counts for a longer hunt (default 1: the test suite). */
const factor = Math.max(1, Number(process.env.FUZZ_RUNS ?? 1) || 1);

/** Every path in a JSON value (objects and arrays included), depth first. */
function pathsOf(v: unknown, at: Path = []): Path[] {
    if (v === null || typeof v !== "object") return [at];
    const kids = Array.isArray(v)
        ? v.flatMap((x, i) => pathsOf(x, [...at, i]))
        : Object.entries(v).flatMap(([k, x]) => pathsOf(x, [...at, k]));
    return at.length === 0 ? kids : [at, ...kids];
}

const show = (p: Path) =>
    p.map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? s : `.${s}`)).join("");

function parentOf(raw: Raw, p: Path): Raw | undefined {
    let o: unknown = raw;
    for (const s of p.slice(0, -1)) {
        if (o === null || typeof o !== "object") return undefined;
        o = (o as Raw)[s];
    }
    return o !== null && typeof o === "object" ? (o as Raw) : undefined;
}

function setAt(raw: Raw, p: Path, value: unknown): void {
    const parent = parentOf(raw, p);
    if (parent) parent[p[p.length - 1]] = clone(value);
}

function deleteAt(raw: Raw, p: Path): void {
    const parent = parentOf(raw, p);
    if (!parent) return;
    if (Array.isArray(parent)) parent.splice(Number(p[p.length - 1]), 1);
    else delete parent[p[p.length - 1]];
}

// Values: wrong types, boundaries, and plausible strings of every shape the config uses.
const octet = fc.integer({ min: 0, max: 255 });
const nearIp = fc.oneof(
    fc.tuple(fc.constantFrom(0, 1, 2, 3, 4), octet).map(([c, d]) => `10.40.${c}.${d}`),
    fc.tuple(fc.constantFrom(0, 1, 2, 3), octet).map(([c, d]) => `10.60.${c}.${d}`),
    fc.tuple(octet, octet, octet, octet).map((o) => o.join(".")),
    fc.constantFrom("0.0.0.0", "255.255.255.255", "10.40.0.256", "10.40.0", "::1"),
);
const cidr = fc.oneof(
    fc.tuple(nearIp, fc.integer({ min: 0, max: 32 })).map(([ip, b]) => `${ip}/${b}`),
    fc
        .tuple(fc.constantFrom(0, 1, 2, 3), fc.constantFrom(0, 64, 128, 192))
        .map(([c, d]) => `10.40.${c}.${d}/26`),
    fc.constantFrom("172.20.0.0/16", "10.96.0.0/12", "10.40.0.0/22", "0.0.0.0/0", "10.0.0.0/8"),
);
const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,30}[a-z0-9]$/);
const composable = fc.constantFrom(
    "dev",
    "dev-apps",
    "apps",
    "general",
    "apps-general",
    "cp",
    "apps-cp",
    "dev-data",
    "cluster",
    "kubeconfig",
    "a".repeat(32),
    "b".repeat(21),
);
/** Wrong types and boundary values. */
const JUNK: unknown[] = [
    null,
    true,
    "",
    " ",
    "x",
    "BAD_Name",
    "v1.36",
    "v1.99.0",
    -1,
    0,
    1,
    2,
    1.5,
    23456,
    65000,
    64512,
    2 ** 31,
    1e12,
    [],
    {},
    ["x"],
    { a: 1 },
];
/** Strings of the shapes the config uses, subtly wrong for most keys. */
const TRICKY: string[] = [
    "https://host.example.net/sdk",
    "host.example.net:443",
    "a b",
    "a/b",
    "/OTHER-DC/vm/x",
    "-x-",
    "é",
    "x".repeat(300),
    "ssh-ed25519 AAAA",
    "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----",
    "v1.36.1",
    "10.40.0.0/26",
    "10.40.0.255",
    "http://x.example.net",
    "git@x:y.git",
];
const junk = fc.constantFrom(...JUNK);
const tricky = fc.oneof(fc.constantFrom(...TRICKY), fc.string({ maxLength: 12 }));
const value = fc.oneof(junk, nearIp, cidr, label, composable, fc.integer({ min: -5, max: 70000 }));

/** Mutations anywhere in `base`: replace a value, delete a key, or duplicate a list element. */
function mutationsOf(base: Raw): fc.Arbitrary<Mutation> {
    const at = (raw: Raw, p: Path): unknown =>
        p.reduce<unknown>(
            (o, s) => (o === null || typeof o !== "object" ? undefined : (o as Raw)[s]),
            raw,
        );
    const paths = pathsOf(base);
    const lists = paths.filter((p) => Array.isArray(at(base, p)));
    const anyPath = fc.constantFrom(...paths);
    const strings = paths.filter((p) => typeof at(base, p) === "string");
    const set = (p: Path, v: unknown) =>
        mutation(`${show(p)} = ${JSON.stringify(v)}`, (raw) => setAt(raw, p, v));
    const replace = fc.tuple(anyPath, value).map(([p, v]) => set(p, v));
    // Every string key gets odd strings: the builders' own checks sit on string fields.
    const restring = fc.tuple(fc.constantFrom(...strings), tricky).map(([p, v]) => set(p, v));
    const remove = anyPath.map((p) => mutation(`delete ${show(p)}`, (raw) => deleteAt(raw, p)));
    const duplicate = fc.tuple(fc.constantFrom(...lists), fc.nat()).map(([p, k]) =>
        mutation(`duplicate element ${k} of ${show(p)}`, (raw) => {
            const list = at(raw, p);
            if (Array.isArray(list) && list.length > 0) list.push(clone(list[k % list.length]));
        }),
    );
    return fc.oneof(
        { weight: 4, arbitrary: replace },
        { weight: 3, arbitrary: restring },
        { weight: 1, arbitrary: remove },
        { weight: 1, arbitrary: duplicate },
    );
}

/** Mutations that keep the config plausible, so that many of them are accepted and deployed. */
function plausibleMutations(base: Raw): fc.Arbitrary<Mutation> {
    const n = (base.clusters as Raw[]).length;
    const cl = fc.nat({ max: n - 1 });
    const set = (text: string, p: Path, v: unknown): Mutation =>
        mutation(`${text}: ${show(p)} = ${JSON.stringify(v)}`, (raw) => setAt(raw, p, v));
    return fc.oneof(
        fc
            .tuple(cl, fc.oneof(label, composable))
            .map(([i, v]) => set("rename", ["clusters", i, "name"], v)),
        fc
            .tuple(
                cl,
                fc.oneof(
                    label.filter((s) => s.length <= 20),
                    composable,
                ),
            )
            .map(([i, v]) => set("rename pool", ["clusters", i, "workerPools", 0, "name"], v)),
        fc
            .tuple(
                cl,
                fc.constantFrom("replicas", "cpus", "memoryMiB", "diskGiB"),
                fc.integer({ min: 0, max: 9000 }),
            )
            .map(([i, k, v]) => set("size", ["clusters", i, "controlPlane", k], v)),
        fc
            .tuple(cl, fc.constantFrom("replicas", "maxSurge"), fc.integer({ min: 0, max: 80 }))
            .map(([i, k, v]) => set("pool size", ["clusters", i, "workerPools", 0, k], v)),
        fc.tuple(cl, cidr).map(([i, v]) => set("pin", ["clusters", i, "addressBlock"], v)),
        fc.tuple(cl, nearIp).map(([i, v]) => set("vip", ["clusters", i, "vip"], v)),
        fc
            .tuple(cl, fc.constantFrom("podCidr", "serviceCidr"), cidr)
            .map(([i, k, v]) => set("network", ["clusters", i, k], v)),
        fc
            .tuple(cl, fc.integer({ min: 64512, max: 65534 }))
            .map(([i, v]) => set("AS", ["clusters", i, "bgp", "asNumber"], v)),
        fc
            .tuple(cl, fc.constantFrom("v1.34.3", "v1.35.4", "v1.36.1"))
            .map(([i, v]) => set("version", ["clusters", i, "kubernetesVersion"], v)),
        fc.tuple(cl, label).map(([i, v]) => set("labels", ["clusters", i, "labels"], { team: v })),
        nearIp.map((v) => set("router", ["bgp", "routers", 1, "address"], v)),
        nearIp.map((v) => set("gateway", ["network", "gateway"], v)),
        fc
            .integer({ min: 22, max: 30 })
            .map((v) => set("block size", ["network", "clusterBlockPrefix"], v)),
        fc.boolean().map((v) => set("inventory", ["vsphere", "manageInventory"], v)),
        fc.boolean().map((v) => set("sync", ["argocd", "manageSync"], v)),
        fc.constantFrom("dev", "prod").map((v) => set("environment", ["environment"], v)),
        fc
            .constantFrom("vc.example.net", "10.40.0.9")
            .map((v) => set("server", ["vsphere", "server"], v)),
        fc.tuple(cl, fc.oneof(label, composable), octet).map(([i, name, x]) =>
            mutation(`add a copy of clusters[${i}] named ${JSON.stringify(name)}`, (raw) => {
                const list = raw.clusters;
                // An earlier mutation may have deleted clusters[i]: nothing to copy then.
                const copy = Array.isArray(list) && i < list.length ? clone(list[i]) : undefined;
                if (copy === null || typeof copy !== "object") return;
                Object.assign(copy, {
                    name,
                    podCidr: `100.${64 + (x % 64)}.0.0/16`,
                    bgp: { asNumber: 64700 + x },
                });
                delete copy.addressBlock;
                delete copy.vip;
                list.push(copy);
            }),
        ),
    );
}

const applyAll = (base: Raw, ms: readonly Mutation[]) => {
    const raw = clone(base);
    for (const m of ms) m.apply(raw);
    return raw;
};

/** The config keys a ConfigError may point at: the region's keys and any unknown top-level key. */
function checkIssuePaths(e: ConfigError, raw: Raw): void {
    assert.ok(e.issues.length > 0, "a ConfigError without problems");
    const known = new Set<string>([...REGION_KEYS, ...SECRET_KEYS, ...Object.keys(raw)]);
    for (const i of e.issues) {
        const root = /^[^.[]+/.exec(i.path)?.[0] ?? "";
        assert.ok(known.has(root), `problem without a key path: "${i.path}: ${i.message}"`);
        assert.ok(i.message.trim().length > 0, `empty message at ${i.path}`);
    }
    const lines = e.issues.map((i) => `${i.path}: ${i.message}`);
    assert.equal(new Set(lines).size, lines.length, "a problem is listed twice");
}

/**
 * Runs the pure builders the program calls after registration has started on an accepted
 * config (as WorkloadCluster, ArgoRegistration and BgpListenRange do) and returns the custom
 * resources they build. A throw here would be a failure in the middle of `pulumi up`.
 */
function buildAll(parsed: ParsedRegion): Obj[] {
    const region = parsed.config;
    const out: Obj[] = [];
    vmFolderPaths(region.vsphere.datacenter, region.vsphere.folder);
    for (const cluster of region.clusters) {
        const plan = parsed.plan.clusters.find((p) => p.cluster === cluster.name);
        assert.ok(plan, `no plan for ${cluster.name}`);
        const ctx = { region, cluster, plan };
        const placement = { folder: "f", resourcePool: "p", tagIds: ["t"], tagNames: ["t"] };
        for (const v of [
            cluster.kubernetesVersion,
            ...cluster.workerPools.map((w) => w.kubernetesVersion),
        ]) {
            assert.ok(region.vsphere.templates[v], `no template for ${v}`);
        }
        const cp = capi.machineTemplate(
            ctx,
            "control-plane",
            "cp",
            cluster.controlPlane,
            cluster.kubernetesVersion,
            placement,
        );
        out.push(
            cp,
            capi.controlPlane(ctx, cp.metadata.name),
            capi.ipPool(ctx),
            capi.vsphereCluster(ctx),
        );
        out.push(capi.machineHealthCheck(ctx), capi.capiCluster(ctx));
        for (const wp of cluster.workerPools) {
            const mt = capi.machineTemplate(
                ctx,
                "worker",
                wp.name,
                wp,
                wp.kubernetesVersion,
                placement,
            );
            const bt = capi.kubeadmConfigTemplate(ctx, wp);
            out.push(mt, bt, capi.machineDeployment(ctx, wp, mt.metadata.name, bt.metadata.name));
        }
        out.push(buildClusterConfigApplication({ region, cluster, plan }));
        renderVsphereConf(region, plan);
        buildCpiCredentialsSecret({ server: region.vsphere.server, username: "u", password: "p" });
        buildArgoClusterSecret({
            namespace: region.argocd.namespace,
            region: region.region,
            environment: region.environment,
            cluster: cluster.name,
            server: capi.apiServerEndpoint(plan),
            caData: "",
            bearerToken: "",
            extraLabels: cluster.labels,
        });
        for (const r of region.bgp.routers.filter((x) => x.ssh)) {
            listenRangeSpec(region, r, cluster, plan);
        }
    }
    return out.map((o) => JSON.parse(JSON.stringify(o)) as Obj);
}

/** The reference and address invariants of objects built from an accepted config. */
function invariantProblems(parsed: ParsedRegion, crs: readonly Obj[]): string[] {
    const { config, plan } = parsed;
    const secrets = plan.clusters.map((p) => ({
        metadata: { name: capi.objectNames(p.cluster).credentials },
    }));
    const blocks = Object.fromEntries(plan.clusters.map((p) => [p.cluster, p.block]));
    const pinned = new Set(config.clusters.flatMap((c) => (c.vip ? [c.vip] : [])));
    return [...referenceProblems(crs, secrets), ...addressProblems(crs, blocks, pinned)];
}

/** Runs the program on a mutated config under mocks and checks the outcome. */
async function checkProgram(raw: Raw): Promise<"refused" | "deployed"> {
    const rejections: unknown[] = [];
    const onRejection = (e: unknown) => rejections.push(e);
    process.on("unhandledRejection", onRejection);
    try {
        let deployed: Awaited<ReturnType<typeof deployRegion>>;
        try {
            deployed = await deployRegion("dev", (r) => {
                for (const k of Object.keys(r)) delete r[k];
                Object.assign(r, clone(raw));
            });
        } catch (e) {
            // Only a ConfigError, and only before anything was registered.
            assert.ok(e instanceof ConfigError, `crash: ${(e as Error)?.stack ?? String(e)}`);
            checkIssuePaths(e, raw);
            const monitor = pulumi.runtime.getMonitor() as unknown as {
                resources: Map<string, unknown>;
            };
            assert.equal(monitor.resources.size, 0, "registration started before the ConfigError");
            return "refused";
        }
        const { mocks, region } = deployed;
        assert.equal(new Set(mocks.urns).size, mocks.urns.length, "duplicate URNs");
        const crs = mocks.customResources().map((r) => unsecret(r.inputs) as Obj);
        const secrets = mocks.resources
            .filter((r) => r.type === types.Secret)
            .map((r) => unsecret(r.inputs) as Obj);
        assert.deepEqual(crdProblems(crs), [], "CRD schema");
        assert.deepEqual(referenceProblems(crs, secrets), [], "references");
        const blocks: Record<string, string> = {};
        for (const [c, wc] of Object.entries(region.clusters))
            blocks[c] = await unwrap(wc.addressBlock);
        const pinned = new Set<string>(
            (raw.clusters as Raw[]).flatMap((c) => (typeof c.vip === "string" ? [c.vip] : [])),
        );
        assert.deepEqual(addressProblems(crs, blocks, pinned), [], "addresses");
        assert.deepEqual(
            Object.keys(region.clusters).sort(),
            (raw.clusters as Raw[]).map((c) => c.name).sort(),
        );
        await new Promise((r) => setTimeout(r, 20));
        assert.deepEqual(rejections.map(String), [], "unhandled rejections");
        return "deployed";
    } finally {
        process.off("unhandledRejection", onRejection);
    }
}

describe("config fuzzing", function () {
    this.timeout(120000);

    for (const stack of ["dev", "prod"]) {
        it(`${stack}: any mutation is refused with key paths, or builds objects the CRDs accept`, () => {
            const base = rawStackConfig(stack);
            let accepted = 0;
            fc.assert(
                fc.property(
                    fc.array(fc.oneof(mutationsOf(base), plausibleMutations(base)), {
                        minLength: 1,
                        maxLength: 3,
                    }),
                    (ms) => {
                        const raw = applyAll(base, ms);
                        let parsed: ParsedRegion;
                        try {
                            parsed = parseRegionConfig(raw);
                        } catch (e) {
                            if (!(e instanceof ConfigError)) throw e;
                            checkIssuePaths(e, raw);
                            return;
                        }
                        accepted++;
                        const crs = buildAll(parsed);
                        assert.deepEqual(crdProblems(crs), [], "CRD schema");
                        assert.deepEqual(invariantProblems(parsed, crs), [], "invariants");
                    },
                ),
                { numRuns: 300 * factor, seed },
            );
            assert.ok(accepted > 0, "no mutation was accepted: the builders were never run");
        });
    }

    it("dev: every key deleted or set to each odd value, one at a time, is refused or builds valid objects", () => {
        const base = rawStackConfig("dev");
        const wrongType: unknown[] = [null, true, 1, "x", [], {}];
        const numbers = JUNK.filter((v) => typeof v === "number");
        const failures: string[] = [];
        for (const p of pathsOf(base)) {
            const current = p.reduce<unknown>((o, k) => (o as Raw)[k], base);
            // Odd values of the key's own type, plus every wrong type.
            const same =
                typeof current === "string" ? TRICKY : typeof current === "number" ? numbers : [];
            // `undefined` stands for deleting the key.
            for (const v of [undefined, ...wrongType, ...same]) {
                const raw = clone(base);
                if (v === undefined) deleteAt(raw, p);
                else setAt(raw, p, v);
                try {
                    const parsed = parseRegionConfig(raw);
                    const crs = buildAll(parsed);
                    const problems = [...crdProblems(crs), ...invariantProblems(parsed, crs)];
                    if (problems.length > 0)
                        failures.push(`${show(p)} = ${JSON.stringify(v)}: ${problems[0]}`);
                } catch (e) {
                    if (e instanceof ConfigError) {
                        checkIssuePaths(e, raw);
                    } else {
                        failures.push(`${show(p)} = ${JSON.stringify(v)}: ${String(e)}`);
                    }
                }
            }
        }
        assert.deepEqual(failures, []);
    });

    it("dev: the whole program refuses before registering, or registers valid objects", async () => {
        const base = rawStackConfig("dev");
        const outcomes: string[] = [];
        await fc.assert(
            fc.asyncProperty(
                fc.array(
                    fc.oneof(
                        { weight: 3, arbitrary: plausibleMutations(base) },
                        { weight: 1, arbitrary: mutationsOf(base) },
                    ),
                    {
                        minLength: 1,
                        maxLength: 2,
                    },
                ),
                async (ms) => {
                    outcomes.push(await checkProgram(applyAll(base, ms)));
                },
            ),
            { numRuns: 8 * factor, seed },
        );
        // Not vacuous: some mutations must have got through to registration.
        assert.ok(outcomes.includes("deployed"), `nothing deployed: ${outcomes.join(", ")}`);
    });

    it("the invariant checks can fail", () => {
        const crs: Obj[] = [
            {
                kind: "Cluster",
                spec: {
                    controlPlaneRef: { kind: "KubeadmControlPlane", name: "x" },
                    infrastructureRef: { kind: "VSphereCluster", name: "x" },
                },
                metadata: { name: "x" },
            },
        ];
        assert.equal(referenceProblems(crs, []).length, 2);
    });
});
