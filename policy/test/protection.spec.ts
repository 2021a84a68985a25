import { capiClusterProtected } from "../policies/protection";
import { runResourcePolicy, unknown } from "../testing";
import * as assert from "node:assert/strict";
import { assertPasses, assertViolations } from "./assert";
import { c1, capiCluster, controlPlane, withProps } from "./fixtures";

describe("policy capi-cluster-protected", () => {
    const unprotected = { ...capiCluster(c1), opts: { protect: false } };

    it("passes a protected Cluster", async () => {
        assertPasses(await runResourcePolicy(capiClusterProtected, capiCluster(c1)));
    });

    it("rejects an unprotected Cluster when the stack requires protection (default)", async () => {
        assertViolations(
            await runResourcePolicy(capiClusterProtected, unprotected),
            /Cluster capi-clusters\/c1: set the protect resource option/,
        );
    });

    it("is not applicable where the stack does not require protection (dev)", async () => {
        const o = await runResourcePolicy(capiClusterProtected, unprotected, {
            requireProtect: false,
        });
        assert.equal(o.violations.length, 0);
        assert.match(o.notApplicable ?? "", /does not require protected clusters/);
    });

    it("decides from resource options, which are known on preview", async () => {
        const pending = withProps(unprotected, (p) => (p.spec = unknown.object), {
            protect: false,
        });
        assertViolations(await runResourcePolicy(capiClusterProtected, pending), /protect/);
    });

    it("ignores other kinds", async () => {
        assertPasses(await runResourcePolicy(capiClusterProtected, controlPlane(c1)));
    });
});
