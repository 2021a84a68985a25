import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
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

    describe("a compressed checkpoint", () => {
        const r = { type: "t:x", urn: "u", inputs: { p: "y".repeat(50) }, outputs: {} };
        const fileDoc = { version: 3, checkpoint: { latest: { resources: [r, r] } } };
        const exportDoc = { version: 3, deployment: { resources: [r, r] } };
        const stacks = () => path.join(dir, ".pulumi", "stacks", "gz");

        it("picks the form written last, as the CLI does", () => {
            fs.mkdirSync(stacks(), { recursive: true });
            const plain = path.join(stacks(), "st.json");
            const zst = path.join(stacks(), "st.json.zst");
            fs.writeFileSync(plain, JSON.stringify(fileDoc));
            fs.writeFileSync(zst, "not read");
            fs.utimesSync(plain, new Date(1000), new Date(1000));
            assert.equal(checkpointFile(dir, "gz", "st"), zst);
            assert.equal(checkpointFile(dir, "gz", "none"), path.join(stacks(), "none.json"));
        });

        it("reads gzip itself and measures the file as stored", () => {
            const gz = zlib.gzipSync(JSON.stringify(fileDoc));
            const file = path.join(dir, "g.json.gz");
            fs.writeFileSync(file, gz);
            const c = checkpointSize(file);
            assert.deepEqual(
                [c.fileBytes, c.compression, c.resourcesFrom, c.resources],
                [gz.length, "gzip", "file", 2],
            );
            assert.match(checkpointLines(c)[0], /KiB on disk \(gzip\), 2 resources/);
        });

        it("takes a zstd file's resources from `pulumi stack export`, and only from there", () => {
            const file = path.join(dir, "z.json.zst");
            fs.writeFileSync(file, Buffer.alloc(123));
            assert.throws(() => checkpointSize(file), /zstd, which Node cannot read/);
            const c = checkpointSize(file, JSON.stringify(exportDoc));
            assert.deepEqual(
                [c.fileBytes, c.compression, c.resourcesFrom, c.resources],
                [123, "zstd", "stack export", 2],
            );
            assert.equal(c.resourceBytes, 2 * JSON.stringify(r).length);
            assert.match(checkpointLines(c)[0], /\(zstd\).*resources read from stack export$/);
        });
    });
});
