// Preloaded (`node --require`) by benchmark runs that must run the STOCK @pulumi/pulumi: whenever
// the SDK loads a file that patches/ changes, it compiles the unpatched text instead, so a stock
// baseline needs no second node_modules. Plain CommonJS, so that it also preloads into a program
// the real engine starts (Pulumi.yaml runtime.options.nodeargs, bench/engine.ts), where nothing
// has registered ts-node yet.
//
// BENCH_STOCK_FILES (optional, comma-separated, e.g. "resource.js") keeps only those files stock:
// the other parts of the patch stay in effect, to compare one part against the rest.
"use strict";
/* eslint-disable @typescript-eslint/no-require-imports */
const fs = require("node:fs");
const Module = require("node:module");
const path = require("node:path");
const patches = require("../patches/apply.cjs");

const PKG = "@pulumi/pulumi";
const manifest = JSON.parse(
    fs.readFileSync(path.join(patches.ROOT, "patches/patches.json"), "utf8"),
);
const patchedFiles = Object.keys(manifest.find((e) => e.package === PKG).files);
const only = (process.env.BENCH_STOCK_FILES ?? "").split(",").filter(Boolean);
for (const f of only) {
    if (!patchedFiles.includes(f)) throw new Error(`BENCH_STOCK_FILES: the patch has no ${f}`);
}
const stock = new Map(
    (only.length > 0 ? only : patchedFiles).map((file) => [
        require.resolve(`${PKG}/${file}`, { paths: [process.cwd(), __dirname] }),
        patches.stockText(PKG, file),
    ]),
);
// At compile time rather than by filling the module cache up front: loading one SDK file loads
// most of the others (debuggable.js requires resource.js through ../log), so files compiled
// ahead would be required, patched, before their stock text is in place.
const compile = Module.prototype._compile;
Module.prototype._compile = function (content, filename, ...rest) {
    return compile.call(this, stock.get(filename) ?? content, filename, ...rest);
};
