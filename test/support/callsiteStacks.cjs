// The SDK patch caches the frames Resource.callsites() parses (patches/README.md, part 3). This
// compares the patched Resource.callsites()/stackTrace() with the stock ones at the same points
// of varied stacks, twice each (the patched ones format on the first pass and answer from the
// cache on the second). Plain CommonJS, so that it also runs in a node without ts-node:
//   node test/support/callsiteStacks.cjs [--maps-off-midway]
// prints the summary of compareStacks(); --maps-off-midway turns Node's source maps off after two passes.
"use strict";
/* eslint-disable @typescript-eslint/no-require-imports */
const fs = require("node:fs");
const Module = require("node:module");
const os = require("node:os");
const path = require("node:path");
const util = require("node:util");
const vm = require("node:vm");
const patches = require("../../patches/apply.cjs");

const RESOURCE = require.resolve("@pulumi/pulumi/resource.js", { paths: [patches.ROOT] });

/**
 * The installed (patched) Resource class and the stock one, compiled from the stock text under
 * the same file name (as bench/stockSdk.cjs does): their own frames then read the same.
 */
function resourceClasses() {
    const m = new Module(RESOURCE, module);
    m.filename = RESOURCE;
    m.paths = Module._nodeModulePaths(path.dirname(RESOURCE));
    m._compile(patches.stockText("@pulumi/pulumi", "resource.js"), RESOURCE);
    return { stock: m.exports.Resource, patched: require(RESOURCE).Resource };
}

/** Calls of the formatter installed by compareStacks (a counting wrapper of the one before). */
const formats = { count: 0 };

/**
 * A probe records what both classes return, and how often each formatted a stack: both are
 * called from one expression, so that their stacks are the same.
 */
function makeProbe(classes, results, scenario, pass) {
    return function probe() {
        const out = [];
        const formatted = [];
        for (const R of [classes.stock, classes.patched]) {
            const before = formats.count;
            out.push({ callsites: R.callsites(), stackTrace: R.stackTrace(1) });
            formatted.push(formats.count - before);
        }
        const [stock, patched] = out;
        results.push({ scenario: scenario.name, pass, stock, patched, formats: formatted[1] });
    };
}

const site = (probe) => probe();
const callerA = (probe) => site(probe);
const callerB = (probe) => site(probe);
// No name, not even an inferred one: called plainly it prints "at file:line:column", which stock
// parses as {}; as a method, "at Object.<anonymous> (file:line:column)".
const anonymous = (() =>
    function (probe) {
        return probe();
    })();
const deep = (n, probe) => (n === 0 ? probe() : deep(n - 1, probe));

class Widget {
    constructor(probe) {
        probe();
    }
    method(probe) {
        return probe();
    }
    static make(probe) {
        return new Widget(probe);
    }
}

async function later(probe) {
    await null;
    return probe();
}

/** Another formatter, installed for a moment: the cache must not answer for the previous one. */
function customFormat(error, sites) {
    const at = (s) =>
        `    at f (${s.getFileName()}.custom:${s.getLineNumber()}:${s.getColumnNumber()})`;
    return [String(error), ...sites.map(at)].join("\n");
}

function withFormat(format, fn) {
    const saved = Error.prepareStackTrace;
    Error.prepareStackTrace = format;
    try {
        return fn();
    } finally {
        Error.prepareStackTrace = saved;
    }
}

/** A named function in a script without a file: a relative "file", resolved against the cwd. */
function inVmScript(probe) {
    const fn = vm.runInThisContext("(function viaVm(probe) { return probe(); })");
    const cwd = process.cwd();
    try {
        fn(probe);
        process.chdir(os.tmpdir());
        fn(probe);
    } finally {
        process.chdir(cwd);
    }
}

/**
 * Fixture files in a temporary directory: the same plain JavaScript at two paths, and
 * TypeScript transpiled with an inline source map (source-map-support and Node's own source
 * maps read it; the TypeScript has extra lines, so mapped positions differ from the JS ones).
 */
function fixtures() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "callsites-"));
    const js = "exports.run = function run(probe) {\n    return [0].map(() => probe());\n};\n";
    const ts = [
        "interface Probe {\n    (): void;\n}\n",
        "export class Mapped {\n    constructor(probe: Probe) {\n        probe();\n    }\n}\n",
        "export const mapped = (probe: Probe): void => {\n    new Mapped(probe);\n};\n",
    ].join("\n");
    const out = require("typescript").transpileModule(ts, {
        compilerOptions: { module: 1, target: 7, inlineSourceMap: true, inlineSources: true },
        fileName: path.join(dir, "mapped.ts"),
    });
    const files = { a: "a/same.js", b: "b/same.js", mapped: "mapped.js" };
    for (const [key, rel] of Object.entries(files)) {
        files[key] = path.join(dir, rel);
        fs.mkdirSync(path.dirname(files[key]), { recursive: true });
        fs.writeFileSync(files[key], key === "mapped" ? out.outputText : js);
    }
    return { a: require(files.a), b: require(files.b), mapped: require(files.mapped) };
}

/** The stacks compared under one formatter; each takes a fresh probe. */
function scenarios(files) {
    return [
        function oneSiteTwoCallers(probe) {
            callerA(probe);
            callerB(probe);
            return [site(probe), site(probe)]; // on one line: only the column differs
        },
        function constructorsAndMethods(probe) {
            new Widget(probe);
            Widget.make(probe);
            new Widget(() => {}).method(probe);
        },
        function anonymousPlainAndAsMethod(probe) {
            // The same position, the same function: only the receiver differs.
            for (const self of [undefined, {}]) anonymous.call(self, probe);
        },
        function nativeMapCallback(probe) {
            [1, 2].map(() => probe());
        },
        function evaluated(probe) {
            eval("probe()");
            eval("\n\nprobe()");
            const fns = [new Function("probe", "probe();"), new Function("probe", "probe();")];
            for (const fn of fns) fn(probe); // only their eval origins differ
            inVmScript(probe);
        },
        function deepRecursion(probe) {
            deep(200, probe);
            deep(201, probe); // differs from the line above only in the number of frames
            // The same number of frames, the same top 200: they differ below them.
            for (const from of [callerA, callerB]) from(() => deep(200, probe));
        },
        function sameCodeInTwoFiles(probe) {
            for (const file of [files.a, files.b]) file.run(probe);
        },
        function sourceMapped(probe) {
            files.mapped.mapped(probe);
        },
        async function asyncFrames(probe) {
            await later(probe);
            await Promise.all([later(probe), later(probe)]);
        },
    ];
}

/** Scenarios that install another formatter (which empties the cache: they run apart). */
const formatterScenarios = [
    function anotherPrepareStackTrace(probe) {
        for (const format of [undefined, customFormat, undefined]) {
            withFormat(format ?? Error.prepareStackTrace, () => site(probe));
        }
    },
    function accessorPrepareStackTrace(probe) {
        const saved = Object.getOwnPropertyDescriptor(Error, "prepareStackTrace");
        const format = Error.prepareStackTrace;
        Object.defineProperty(Error, "prepareStackTrace", {
            get: () => format,
            configurable: true,
        });
        try {
            site(probe); // no cache (it cannot swap the formatter): the stock path
        } finally {
            if (saved) Object.defineProperty(Error, "prepareStackTrace", saved);
            else delete Error.prepareStackTrace;
        }
    },
];

/**
 * Runs every scenario (plus `extra`, e.g. TypeScript ones under ts-node) `passes` times, then
 * the formatter ones twice; `between(pass)` runs before each pass. Returns the number of probes,
 * of different stock results, of probes of the last ordinary pass that the patched class
 * answered without formatting (hits: all, since it meets the stacks of the pass before), and the
 * mismatches.
 */
async function compareStacks({ extra = [], passes = 2, between = () => {} } = {}) {
    const classes = resourceClasses();
    const stable = [...scenarios(fixtures()), ...extra];
    const results = [];
    const format = Error.prepareStackTrace;
    Error.prepareStackTrace = (error, sites) => (formats.count++, format(error, sites));
    try {
        for (let pass = 0; pass < passes + 2; pass++) {
            between(pass);
            await null; // every pass from a microtask, so that pass 2 meets pass 1's stacks
            const all = pass < passes ? stable : formatterScenarios;
            for (const scenario of all) await scenario(makeProbe(classes, results, scenario, pass));
        }
    } finally {
        Error.prepareStackTrace = format;
    }
    const lastPass = results.filter((r) => r.pass === passes - 1);
    return {
        probes: results.length,
        distinct: new Set(results.map((r) => JSON.stringify(r.stock))).size,
        lastPass: { probes: lastPass.length, hits: lastPass.filter((r) => !r.formats).length },
        mismatches: results.filter((r) => !util.isDeepStrictEqual(r.stock, r.patched)),
    };
}
module.exports = { compareStacks, resourceClasses };

if (require.main === module) {
    const mapsOffMidway = process.argv.includes("--maps-off-midway");
    const between = (pass) => pass === 2 && mapsOffMidway && process.setSourceMapsEnabled(false);
    compareStacks({ passes: mapsOffMidway ? 4 : 2, between }).then((r) => {
        const sourceMapSupport = Object.keys(require.cache).some((f) =>
            /source-map-support/.test(f),
        );
        process.stdout.write(JSON.stringify({ ...r, sourceMapSupport }) + "\n");
    });
}
