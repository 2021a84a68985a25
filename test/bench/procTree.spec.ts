import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { ProcessTreeSampler, roleOf } from "../../bench/procTree";

describe("bench/procTree", () => {
    it("names engine processes by their command line", () => {
        assert.equal(roleOf(["/lab/bin/pulumi", "up"]), "engine");
        assert.equal(roleOf(["/lab/bin/pulumi-resource-kubernetes"]), "kubernetes");
        assert.equal(roleOf(["node", "/x/node_modules/@pulumi/pulumi/cmd/run", "."]), "program");
    });

    it("takes a process that execs (a wrapper script) as what it became", async function () {
        if (process.platform !== "linux") {
            // Reads /proc: not available here, so this test cannot say anything.
            this.skip();
        }
        const child = spawn("/bin/sh", ["-c", "sleep 0.6; exec sleep 0.8"], { stdio: "ignore" });
        const sampler = new ProcessTreeSampler(child.pid!, 50);
        await once(child, "exit");
        const seen = sampler.stop().filter((p) => p.pid === child.pid);
        assert.deepEqual(
            seen.map((p) => [p.role, p.cmdline]),
            [["sleep", "sleep 0.8"]],
        );
    });

    it("records the environment variables it is asked for", async function () {
        if (process.platform !== "linux") {
            this.skip(); // reads /proc
        }
        const env = { ...process.env, BENCH_PROBE: "yes", BENCH_OTHER: "no" };
        const child = spawn("/bin/sh", ["-c", "sleep 0.5"], { stdio: "ignore", env });
        const sampler = new ProcessTreeSampler(child.pid!, 50, ["BENCH_PROBE", "BENCH_UNSET"]);
        await once(child, "exit");
        const seen = sampler.stop().filter((p) => p.pid === child.pid);
        assert.deepEqual(
            seen.map((p) => p.env),
            [{ BENCH_PROBE: "yes" }],
        );
    });
});
