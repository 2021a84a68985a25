import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { labRegionStackFile } from "../../bench/labRegion";
import { PROJECT } from "../../components/constants";

describe("bench/labRegion", () => {
    const lab = fs.readFileSync(path.join(__dirname, "..", "..", "Pulumi.lab.yaml"), "utf8");
    const config = (text: string) =>
        (yaml.load(text) as { config: Record<string, unknown> }).config;
    const names = (text: string) =>
        (config(text)[`${PROJECT}:clusters`] as { name: string; addressBlock: string }[]).map(
            (c) => [c.name, c.addressBlock],
        );

    it("grows the lab region to n clusters with their own blocks", () => {
        const text = labRegionStackFile(lab, 2, 600);
        assert.deepEqual(names(text), [
            ["bench-001", "127.80.0.64/26"],
            ["bench-002", "127.80.0.128/26"],
        ]);
        assert.equal(config(text)[`${PROJECT}:region`], config(lab)[`${PROJECT}:region`]);
    });

    it("names the region and its clusters after a given region", () => {
        const text = labRegionStackFile(lab, 1, 600, "bench-b");
        assert.equal(config(text)[`${PROJECT}:region`], "bench-b");
        assert.deepEqual(names(text), [["bench-b-001", "127.80.0.64/26"]]);
    });
});
