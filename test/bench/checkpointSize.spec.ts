import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { checkpointFile, checkpointLines, checkpointSize } from "../../bench/checkpointSize";

describe("bench/checkpointSize", () => {
    let dir: string;
    before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "checkpoint-size-"))));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("counts bytes per resource type and field, largest type first", () => {
        const big = { type: "t:big", urn: "u1", inputs: { p: "x".repeat(100) }, outputs: {} };
        const small = { type: "t:small", urn: "u2", inputs: {}, outputs: { a: 1 } };
        const doc = { version: 3, checkpoint: { latest: { resources: [small, big, small] } } };
        const file = checkpointFile(dir, "proj", "st");
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, JSON.stringify(doc));
        assert.equal(file, path.join(dir, ".pulumi", "stacks", "proj", "st.json"));

        const c = checkpointSize(file);
        assert.equal(c.fileBytes, JSON.stringify(doc).length);
        assert.equal(c.resources, 3);
        assert.deepEqual(
            c.byType.map((t) => [t.type, t.count, t.bytes]),
            [
                ["t:big", 1, JSON.stringify(big).length],
                ["t:small", 2, 2 * JSON.stringify(small).length],
            ],
        );
        assert.equal(c.byType[0].fields.inputs, JSON.stringify(big.inputs).length);
        assert.equal(
            c.resourceBytes,
            JSON.stringify(big).length + 2 * JSON.stringify(small).length,
        );
        const lines = checkpointLines(c);
        assert.match(lines[0], /3 resources/);
        assert.match(lines[1], /^ {2}t:big: 1 x \d+ B .*inputs 1\d\d/);
    });

    it("reads an empty stack (no resources yet) as zero", () => {
        const file = path.join(dir, "empty.json");
        fs.writeFileSync(file, JSON.stringify({ version: 3, checkpoint: { latest: {} } }));
        const c = checkpointSize(file);
        assert.equal(c.resources, 0);
        assert.deepEqual(c.byType, []);
    });
});
