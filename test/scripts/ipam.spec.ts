import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { renderPlanTable } from "../../scripts/ipam";
import { REPO_ROOT } from "../support/regionFixtures";

describe("npm run ipam", () => {
    it("prints the prod plan with capacity, need and free space", () => {
        const out = renderPlanTable("prod", REPO_ROOT);
        const row = out.split("\n").find((l) => l.startsWith("web "))!;
        assert.match(
            row,
            /^web\s+10\.60\.2\.0\/25\s+10\.60\.2\.0\s+10\.60\.2\.1-10\.60\.2\.127\s+127\s+28\s+99$/,
        );
        assert.match(out, /Free: \d+ addresses; \d+ free \/26 blocks \(next: 10\.60\.0\.128\/26/);
    });

    it("fails with the config error for a broken stack file", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ipam-"));
        const text = fs
            .readFileSync(path.join(REPO_ROOT, "Pulumi.prod.yaml"), "utf8")
            .replace("addressBlock: 10.60.2.0/25", "addressBlock: 10.60.1.0/25");
        fs.writeFileSync(path.join(dir, "Pulumi.broken.yaml"), text);
        assert.throws(() => renderPlanTable("broken", dir), /overlaps/);
        assert.throws(() => renderPlanTable("nope", dir), /no stack file.*stacks here: broken/);
    });
});
