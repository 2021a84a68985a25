// The name-collision check derives names only for the clusters collisionCandidates picks. These
// properties check the name forms its proof relies on, and that the collisions found over the
// candidates are exactly (same list, same order) those found over every cluster, on random
// regions built to collide: names made of other names' pieces and of the suffixes themselves.
import * as assert from "node:assert/strict";
import * as fc from "fast-check";
import {
    NamedCluster,
    collisionCandidates,
    nameRoots,
    nameShape,
    rooted,
} from "../../components/config/collisionCandidates";
import {
    NameCollision,
    NameSettings,
    generatedNames,
    nameCollisions,
} from "../../components/config/generatedNames";
import { MAX_CLUSTER_NAME, MAX_POOL_NAME } from "../../components/config/clusters";

const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
const factor = Math.max(1, Number(process.env.FUZZ_RUNS ?? 1) || 1);

const ROUTERS = ["r1", "edge", "edge-a"];
const settings$: fc.Arbitrary<NameSettings> = fc.record({
    // "shared" for both: the check itself never runs then (checkNamespaces refuses it), but the
    // candidates must stay exact when Secrets of both kinds of names share a scope.
    managementNamespace: fc.constantFrom("capi-clusters", "shared"),
    argocdNamespace: fc.constantFrom("argocd", "shared"),
    sshRouters: fc.subarray(ROUTERS),
    manageSync: fc.boolean(),
    manageInventory: fc.boolean(),
});

/** Every suffix of a cluster's own names, all settings on ("-cp-template", "-bgp-r1", ...). */
const SUFFIXES = nameShape({
    managementNamespace: "m",
    argocdNamespace: "a",
    sshRouters: ROUTERS,
    manageSync: true,
    manageInventory: true,
}).filter((k) => /^(-[a-z0-9]+)+$/.test(k));
const SUFFIX_WORDS = [...new Set(SUFFIXES.flatMap((k) => k.slice(1).split("-")))];
/** Pool names a suffix starts with ("cp", "cp-template", "argocd-manager", ...). */
const SUFFIX_STEMS = [
    ...new Set(
        SUFFIXES.flatMap((k) => {
            const ws = k.slice(1).split("-");
            return ws.map((_, i) => ws.slice(0, i + 1).join("-"));
        }),
    ),
].filter((s) => s.length <= MAX_POOL_NAME);
const word = fc.oneof(
    fc.constantFrom("dev", "apps", "general", "a", "b", "cluster"),
    fc.constantFrom(...SUFFIX_WORDS),
    fc.stringMatching(/^[a-z0-9]{1,6}$/),
);
/** Names within the config's length limits (longer ones never reach the check). */
const name$ = (max: number) =>
    fc
        .array(word, { minLength: 1, maxLength: 3 })
        .map((ws) => ws.join("-"))
        .filter((s) => s.length <= max);
const cluster$ = fc.record({
    name: name$(MAX_CLUSTER_NAME),
    workerPools: fc.array(
        fc.oneof(name$(MAX_POOL_NAME), fc.constantFrom(...SUFFIX_STEMS)).map((name) => ({ name })),
        { maxLength: 3 },
    ),
});

type Link = [number, number, number, "extend" | "split" | "secret"];

/** Makes clusters out of other clusters' names: the compositions that collide. */
function linked(clusters: NamedCluster[], links: readonly Link[]): NamedCluster[] {
    const out = clusters.map((c) => ({ name: c.name, workerPools: [...c.workerPools] }));
    const n = out.length;
    for (const [a, b, k, op] of links) {
        const from = out[a % n];
        const to = out[b % n];
        const pool =
            from.workerPools.length > 0 ? from.workerPools[k % from.workerPools.length] : undefined;
        const rename = (s: string) => {
            if (s.length <= MAX_CLUSTER_NAME) to.name = s;
        };
        if (op === "extend") {
            // "dev" and "dev-apps"
            rename(`${from.name}-${pool?.name ?? "apps"}`);
        } else if (op === "split" && pool) {
            // "dev" + "apps-general" and "dev-apps" + "general"
            const whole = `${from.name}-${pool.name}`.split("-");
            const at = 1 + (k % (whole.length - 1));
            const rest = whole.slice(at).join("-");
            if (rest.length <= MAX_POOL_NAME) {
                rename(whole.slice(0, at).join("-"));
                to.workerPools.push({ name: rest });
            }
        } else if (op === "secret") {
            // Cluster "dev" has the Argo CD Secret "cluster-dev"; cluster "cluster" has its
            // CAPI Secrets "cluster-<suffix>", and cluster "cluster-dev" roots at "cluster".
            rename(k % 2 === 0 ? "cluster" : `cluster-${from.name}`);
        }
    }
    return out;
}

const region$ = fc
    .tuple(
        fc.array(cluster$, { minLength: 1, maxLength: 6 }),
        fc.array(
            fc.tuple(
                fc.nat(),
                fc.nat(),
                fc.nat(),
                fc.constantFrom<Link[3]>("extend", "split", "secret"),
            ),
            { maxLength: 4 },
        ),
        settings$,
    )
    .map(([clusters, links, settings]) => ({ clusters: linked(clusters, links), settings }));

function collisions(
    clusters: readonly NamedCluster[],
    settings: NameSettings,
    keep: (i: number) => boolean,
): NameCollision[] {
    const names = clusters.flatMap((cluster, i) =>
        keep(i) ? generatedNames({ ...settings, cluster, path: `clusters[${i}]` }) : [],
    );
    return nameCollisions(names);
}

const clusterOf = (source: string) => Number(/^clusters\[(\d+)\]/.exec(source)![1]);

describe("name-collision candidates", function () {
    this.timeout(60000);

    it("every generated name has a form the candidate check covers", () => {
        fc.assert(
            fc.property(cluster$, settings$, (cluster, settings) => {
                const suffixes = new Set(nameShape(settings));
                const [own, secret] = nameRoots(cluster.name);
                for (const g of generatedNames({ ...settings, cluster, path: "x" })) {
                    const pool = /^x\.workerPools\[(\d+)\]\.name$/.exec(g.source);
                    const ok = pool
                        ? rooted(g.name, `${own}-${cluster.workerPools[Number(pool[1])].name}`)
                        : (rooted(g.name, own) && suffixes.has(g.name.slice(own.length))) ||
                          rooted(g.name, secret);
                    assert.ok(ok, `${g.scope} "${g.name}" from ${g.source}`);
                }
            }),
            { seed, numRuns: 300 * factor },
        );
    });

    it("finds exactly the collisions, in the same order, as comparing every cluster's names", () => {
        // How often each kind of collision came up: the comparison means something only if the
        // regions really collide in every way the candidate check must catch.
        const seen = { crossCluster: 0, argoSecret: 0, poolAndCluster: 0, twoPools: 0, none: 0 };
        fc.assert(
            fc.property(region$, ({ clusters, settings }) => {
                const all = collisions(clusters, settings, () => true);
                const candidate = collisionCandidates(clusters, settings);
                assert.deepEqual(
                    collisions(clusters, settings, (i) => candidate[i]),
                    all,
                );
                if (all.length === 0) seen.none++;
                const kinds = new Set<keyof typeof seen>();
                for (const x of all) {
                    const [a, b] = [clusterOf(x.first), clusterOf(x.second)];
                    const secretRoot = [a, b].some((i) =>
                        rooted(x.name, nameRoots(clusters[i].name)[1]),
                    );
                    if (secretRoot) kinds.add("argoSecret");
                    else if (a !== b) kinds.add("crossCluster");
                    else if ([x.first, x.second].every((s) => s.includes("workerPools"))) {
                        kinds.add("twoPools");
                    } else kinds.add("poolAndCluster");
                }
                for (const k of kinds) seen[k]++;
            }),
            { seed, numRuns: 1500 * factor },
        );
        for (const [k, n] of Object.entries(seen))
            assert.ok(n >= 10, `only ${n} regions of kind ${k}`);
    });
});
