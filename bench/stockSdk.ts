// Preloaded (`node -r`) by benchmark samples that must run the STOCK @pulumi/pulumi: puts the
// unpatched text of every file patches/ changes into the module cache before the SDK loads it,
// so a stock baseline needs no second node_modules.
import Module from "node:module";
import * as path from "node:path";

interface PatchLib {
    stockText(pkg: string, file: string): string;
}
interface InternalModule extends Module {
    _compile(code: string, filename: string): void;
}
type ModuleStatics = typeof Module & { _nodeModulePaths(dir: string): string[] };

// eslint-disable-next-line @typescript-eslint/no-require-imports
const patches = require("../patches/apply.cjs") as PatchLib;
const file = "runtime/debuggable.js";
const filename = require.resolve(`@pulumi/pulumi/${file}`);
const m = new Module(filename, module) as InternalModule;
m.filename = filename;
m.paths = (Module as ModuleStatics)._nodeModulePaths(path.dirname(filename));
// Cached before it runs, as Node's loader does: its requires lead back to it in a cycle.
require.cache[filename] = m;
m._compile(patches.stockText("@pulumi/pulumi", file), filename);
m.loaded = true;
