// Preloaded (`node --require`) by benchmark runs that must run the STOCK @pulumi/pulumi: puts the
// unpatched text of every file patches/ changes into the module cache before the SDK loads it,
// so a stock baseline needs no second node_modules. Plain CommonJS, so that it also preloads into
// a program the real engine starts (Pulumi.yaml runtime.options.nodeargs, bench/engine.ts), where
// nothing has registered ts-node yet.
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
for (const file of Object.keys(manifest.find((e) => e.package === PKG).files)) {
    const filename = require.resolve(`${PKG}/${file}`, { paths: [process.cwd(), __dirname] });
    const m = new Module(filename, module);
    m.filename = filename;
    m.paths = Module._nodeModulePaths(path.dirname(filename));
    // Cached before it runs, as Node's loader does: its requires may lead back to it in a cycle.
    require.cache[filename] = m;
    m._compile(patches.stockText(PKG, file), filename);
    m.loaded = true;
}
