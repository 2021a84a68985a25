// One benchmark sample, run in its own process so that peak memory is its own:
//   program N  - evaluates the region program with N synthetic clusters under mocks
//   floor R    - registers R trivial resources under the same mocks (the cost floor)
// Prints one JSON line: { mode, n, resources, ms, peakRssMiB }.
import { performance } from "node:perf_hooks";
import * as pulumi from "@pulumi/pulumi";
import { loadRegion } from "../components/config/load";
import { Region } from "../components/region";
import { TEST_SECRETS } from "../test/support/deployRegion";
import { installMocks, settle } from "../test/support/mocks";
import { syntheticRegionConfig } from "./syntheticRegion";

/** The cheapest custom resource: no provider logic, one input. */
class Thing extends pulumi.CustomResource {
    constructor(name: string, props: pulumi.Inputs) {
        super("bench:index:Thing", name, props);
    }
}

async function main(mode: string, n: number): Promise<void> {
    const mocks = await installMocks("bench");
    let last: pulumi.Resource[] = [];
    const t0 = performance.now();
    if (mode === "program") {
        pulumi.runtime.setAllConfig(
            { ...syntheticRegionConfig(n), ...TEST_SECRETS },
            Object.keys(TEST_SECRETS),
        );
        const region = new Region(`bench`, { loaded: loadRegion() });
        last = [region, ...Object.values(region.clusters).map((c) => c.capiCluster)];
    } else if (mode === "floor") {
        for (let i = 0; i < n; i++) {
            last.push(new Thing(`thing-${i}`, { i }));
        }
    } else {
        throw new Error(`unknown mode ${mode}`);
    }
    await settle(last);
    const ms = performance.now() - t0;
    const peakRssMiB = process.resourceUsage().maxRSS / 1024;
    process.stdout.write(
        JSON.stringify({ mode, n, resources: mocks.resources.length, ms, peakRssMiB }) + "\n",
    );
}

main(process.argv[2], Number(process.argv[3])).catch((e) => {
    process.stderr.write(String(e instanceof Error ? e.stack : e) + "\n");
    process.exit(1);
});
