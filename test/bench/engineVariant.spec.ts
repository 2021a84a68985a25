import * as assert from "node:assert/strict";
import { parseVariant } from "../../bench/engineVariant";

describe("bench/engineVariant", () => {
    it("reads the SDK, the slots and the sizes", () => {
        assert.deepEqual(parseVariant(" patched:8@10+50 "), {
            name: "patched:8",
            stockSdk: false,
            parallel: 8,
            skipCheckpoints: false,
            transpile: false,
            zstd: false,
            split: false,
            sizes: [10, 50],
        });
        const stock = parseVariant("stock");
        assert.equal(stock.stockSdk, true);
        assert.equal(stock.parallel, undefined);
        assert.equal(stock.sizes, undefined);
    });

    it("combines the + suffixes in any order, each once", () => {
        const v = parseVariant("patched+zstd+skipcp@20");
        assert.equal(v.name, "patched+zstd+skipcp");
        assert.deepEqual(
            [v.skipCheckpoints, v.transpile, v.zstd, v.split, v.sizes],
            [true, false, true, false, [20]],
        );
        assert.equal(parseVariant("patched+split").split, true);
        assert.equal(parseVariant("patched+transpile+zstd").transpile, true);
    });

    it("refuses what it does not know, naming the grammar", () => {
        for (const bad of ["patched+gzip", "patched+zstd+zstd", "fast", "patched:x", "patched@"]) {
            assert.throws(() => parseVariant(bad), /is not stock, patched or patched:N.*\+zstd/);
        }
    });
});
