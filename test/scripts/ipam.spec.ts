import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseRegionConfig } from "../../components/config/parse";
import { projectConfigOfStackFile } from "../../components/config/stackFile";
import { Region, cidrOf, derivedBlock } from "../../components/ipPlan";
import { assignStackFile, renderPlanTable } from "../../scripts/ipam";
import { REPO_ROOT } from "../support/regionFixtures";

/** A temp checkout holding Pulumi.<stack>.yaml with `text`. */
function stackDir(stack: string, text: string): { dir: string; file: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ipam-"));
    const file = path.join(dir, `Pulumi.${stack}.yaml`);
    fs.writeFileSync(file, text);
    return { dir, file };
}

const blocksOf = (text: string, stack: string) =>
    Object.fromEntries(
        parseRegionConfig(projectConfigOfStackFile(text), stack).plan.clusters.map((c) => [
            c.cluster,
            c.block,
        ]),
    );

const devText = fs.readFileSync(path.join(REPO_ROOT, "Pulumi.dev.yaml"), "utf8");
const devNetwork = parseRegionConfig(projectConfigOfStackFile(devText)).config.network;

/** A cluster name whose derived block is `block` in the dev region. */
function nameLandingOn(block: string): string {
    const region = new Region(devNetwork);
    for (let k = 0; ; k++) {
        const b = derivedBlock(region, `dev-new${k}`, 26)!;
        if (cidrOf(b.lo, 26) === block) return `dev-new${k}`;
    }
}

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

    describe("--assign", () => {
        it("pins unpinned clusters to the blocks they have now; comments and layout stay", () => {
            const text = devText.replace(
                "    - name: dev-data\n",
                "    # data team's cluster, see RUNBOOK-12\n    - name: dev-data # keep\n",
            );
            const before = blocksOf(text, "grow");
            const { dir, file } = stackDir("grow", text);
            const out = assignStackFile("grow", dir);
            assert.match(out, /clusters\[0\] dev-apps: addressBlock \S+ \(the block it has now\)/);
            const after = fs.readFileSync(file, "utf8");
            const added = after.split("\n").filter((l) => !text.split("\n").includes(l));
            assert.deepEqual(added, [
                `      addressBlock: ${before["dev-apps"]}`,
                `      addressBlock: ${before["dev-data"]}`,
            ]);
            assert.equal(
                after
                    .split("\n")
                    .filter((l) => !added.includes(l))
                    .join("\n"),
                text,
            );
            assert.match(
                after,
                /# data team's cluster, see RUNBOOK-12\n    - name: dev-data # keep\n      addressBlock: /,
            );
            assert.deepEqual(blocksOf(after, "grow"), before);
        });

        it("is idempotent: a second run changes nothing", () => {
            const { dir, file } = stackDir("grow", devText);
            assignStackFile("grow", dir);
            const once = fs.readFileSync(file, "utf8");
            assert.match(
                assignStackFile("grow", dir),
                /every cluster of Pulumi\.grow\.yaml is pinned; nothing to do/,
            );
            assert.equal(fs.readFileSync(file, "utf8"), once);
        });

        it("leaves pinned clusters alone (prod pins every block)", () => {
            const prod = fs.readFileSync(path.join(REPO_ROOT, "Pulumi.prod.yaml"), "utf8");
            const { dir, file } = stackDir("prod", prod);
            assert.match(assignStackFile("prod", dir), /nothing to do/);
            assert.equal(fs.readFileSync(file, "utf8"), prod);
        });

        it("resolves a collision by moving only the later cluster; the preview error names the command", () => {
            const placed = blocksOf(devText, "grow");
            const newName = nameLandingOn(placed["dev-apps"]);
            // A one-line (flow style) item too, needing more than a /26 holds.
            const text = devText.replace(
                "  cluster-fleet:managementKubeconfig:",
                `    - name: ${newName}\n` +
                    "      kubernetesVersion: v1.36.1\n" +
                    "      controlPlane: {replicas: 1}\n" +
                    "      workerPools:\n        - {name: general, replicas: 2, maxSurge: 1}\n" +
                    "      podCidr: 172.22.0.0/16\n      bgp: {asNumber: 64603}\n" +
                    "    - {name: dev-big, kubernetesVersion: v1.36.1, controlPlane: {replicas: 1}, " +
                    "workerPools: [{name: general, replicas: 70, maxSurge: 1}], podCidr: 172.23.0.0/16, " +
                    "bgp: {asNumber: 64604}}\n" +
                    "  cluster-fleet:managementKubeconfig:",
            );
            assert.throws(
                () => parseRegionConfig(projectConfigOfStackFile(text), "grow"),
                (e: Error) =>
                    e.message.includes(`cluster "${newName}" overlaps`) &&
                    e.message.includes("npm run ipam -- --stack grow --assign"),
            );
            const { dir, file } = stackDir("grow", text);
            const out = assignStackFile("grow", dir);
            assert.match(out, new RegExp(`${newName}: addressBlock \\S+ \\(new: `));
            const after = blocksOf(fs.readFileSync(file, "utf8"), "grow");
            assert.equal(after["dev-apps"], placed["dev-apps"]);
            assert.equal(after["dev-data"], placed["dev-data"]);
            assert.notEqual(after[newName], placed["dev-apps"]);
            assert.match(after["dev-big"], /\/25$/);
            assert.match(
                fs.readFileSync(file, "utf8"),
                /bgp: \{asNumber: 64604\}, addressBlock: 10\.40\.\d+\.\d+\/25\}\n/,
            );
        });
    });
});
