#!/usr/bin/env node
// Applies the patches listed in patches/patches.json to node_modules (run by `postinstall`).
// Each patch is a unified diff against one exact package version; every file is checked by
// SHA-256 before (stock) and after (patched), so a different version or a hand-edited file fails
// the install loudly instead of half-applying. Idempotent: already patched files are left alone.
//   node patches/apply.cjs           apply (or confirm) every patch
//   node patches/apply.cjs --check   exit 1 unless every patch is in effect; changes nothing
// Plain CommonJS without dependencies: it runs before anything else is built, also under
// `npm ci --omit=dev`.
"use strict";
/* eslint-disable @typescript-eslint/no-require-imports */
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
const MANIFEST = path.join(__dirname, "patches.json");

const sha256 = (text) => crypto.createHash("sha256").update(text, "utf8").digest("hex");

/** Parses a unified diff into files with their hunks (lines without the leading marker). */
function parsePatch(text) {
    const files = [];
    let file;
    let hunk;
    for (const line of text.split("\n")) {
        if (line.startsWith("--- ")) {
            file = undefined;
        } else if (line.startsWith("+++ ")) {
            file = { path: line.slice(4).replace(/^b\//, "").trim(), hunks: [] };
            files.push(file);
        } else if (line.startsWith("@@")) {
            const m = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line);
            if (!m || !file) throw new Error(`malformed hunk header: ${line}`);
            hunk = { oldStart: Number(m[1]), newStart: Number(m[2]), old: [], new: [] };
            file.hunks.push(hunk);
        } else if (hunk && /^[ +-]/.test(line)) {
            if (line[0] !== "+") hunk.old.push(line.slice(1));
            if (line[0] !== "-") hunk.new.push(line.slice(1));
        }
    }
    return files;
}

/** Applies (or with reverse, un-applies) hunks; every context line must match exactly. */
function applyHunks(text, hunks, reverse = false) {
    const lines = text.split("\n");
    let shift = 0;
    for (const h of hunks) {
        const [from, to, start] = reverse ? [h.new, h.old, h.newStart] : [h.old, h.new, h.oldStart];
        const at = start - 1 + shift;
        const found = lines.slice(at, at + from.length);
        if (found.length !== from.length || found.some((l, i) => l !== from[i])) {
            throw new Error(`hunk at line ${start} does not match`);
        }
        lines.splice(at, from.length, ...to);
        shift += to.length - from.length;
    }
    return lines.join("\n");
}

function loadPatches(root = ROOT) {
    const manifest = JSON.parse(fs.readFileSync(MANIFEST, "utf8"));
    return manifest.map((entry) => {
        const diff = parsePatch(fs.readFileSync(path.join(__dirname, entry.patch), "utf8"));
        return { ...entry, diff, dir: path.join(root, "node_modules", entry.package) };
    });
}

/** "patched", "stock" or a reason why the file is neither. */
function fileState(entry, file) {
    const sums = entry.files[file];
    const text = fs.readFileSync(path.join(entry.dir, file), "utf8");
    const sum = sha256(text);
    if (sum === sums.patched) return { state: "patched", text };
    if (sum === sums.stock) return { state: "stock", text };
    return { state: `unknown content (sha256 ${sum})`, text };
}

function installedVersion(entry) {
    const pkg = path.join(entry.dir, "package.json");
    return fs.existsSync(pkg) ? JSON.parse(fs.readFileSync(pkg, "utf8")).version : undefined;
}

/** Problems that stop `entry` from being (or becoming) in effect; empty when all is well. */
function check(entry, { apply }) {
    const version = installedVersion(entry);
    if (version !== entry.version) {
        return [
            `${entry.package} is ${version ?? "not installed"} but patches/${entry.patch} is for ` +
                `${entry.version}: port the patch to the new version or drop it (patches/README.md)`,
        ];
    }
    const problems = [];
    for (const f of entry.diff) {
        const sums = entry.files[f.path];
        if (!sums) {
            problems.push(
                `patches/${entry.patch} changes ${f.path}, which patches.json has no checksums for`,
            );
            continue;
        }
        const { state, text } = fileState(entry, f.path);
        if (state === "patched") continue;
        if (state !== "stock" || !apply) {
            problems.push(`${entry.package}/${f.path}: ${state}, expected the patched file`);
            continue;
        }
        const patched = applyHunks(text, f.hunks);
        if (sha256(patched) !== sums.patched) {
            problems.push(
                `${entry.package}/${f.path}: patch applied but the result has the wrong checksum`,
            );
            continue;
        }
        fs.writeFileSync(path.join(entry.dir, f.path), patched);
    }
    return problems;
}

/** The stock text of a patched file, e.g. for a benchmark of the unpatched SDK. */
function stockText(packageName, file, root = ROOT) {
    const entry = loadPatches(root).find((e) => e.package === packageName);
    const f = entry && entry.diff.find((d) => d.path === file);
    if (!f) throw new Error(`no patch of ${packageName}/${file}`);
    const { state, text } = fileState(entry, file);
    if (state === "stock") return text;
    if (state !== "patched") throw new Error(`${packageName}/${file}: ${state}`);
    const stock = applyHunks(text, f.hunks, true);
    if (sha256(stock) !== entry.files[file].stock) throw new Error(`${file}: reverse patch failed`);
    return stock;
}

/** Applies (or only checks) every patch under `root`; returns the problems found. */
function run(root = ROOT, { apply = true } = {}) {
    return loadPatches(root).flatMap((entry) => check(entry, { apply }));
}

function main(argv) {
    const apply = !argv.includes("--check");
    const problems = run(ROOT, { apply });
    if (problems.length > 0) {
        for (const p of problems) process.stderr.write(`patches: ${p}\n`);
        return 1;
    }
    if (apply) process.stdout.write("patches: all in effect (patches/patches.json)\n");
    return 0;
}

module.exports = { applyHunks, parsePatch, run, stockText, sha256, ROOT };

if (require.main === module) {
    process.exitCode = main(process.argv.slice(2));
}
