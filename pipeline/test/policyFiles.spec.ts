import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { resolvePolicies } from "../policyFiles";
import { UsageError } from "../usageError";
import { makeProgramDir } from "./support";

describe("pipeline/policyFiles", () => {
    const dirs: string[] = [];
    after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
    const program = (o: Parameters<typeof makeProgramDir>[0]) => {
        const d = makeProgramDir(o);
        dirs.push(d);
        return d;
    };

    it("attaches policy/ and policy/config/<stack>.json per stack", () => {
        const dir = program({ stacks: { dev: "", prod: "" } });
        const p = resolvePolicies(dir, ["dev", "prod"]);
        assert.deepEqual(p.get("prod"), {
            packDir: path.join(dir, "policy"),
            configFile: path.join(dir, "policy", "config", "prod.json"),
        });
    });

    it("fails clearly when a stack's config is missing", () => {
        const dir = program({ stacks: { dev: "", prod: "" }, policyConfigs: ["dev"] });
        assert.throws(
            () => resolvePolicies(dir, ["dev", "prod"]),
            (e: Error) =>
                e instanceof UsageError &&
                e.message.includes("policy config missing for policy/config/prod.json"),
        );
    });

    it("fails when the pack is absent or a config is not JSON", () => {
        assert.throws(
            () => resolvePolicies(program({ stacks: { dev: "" }, withPack: false }), ["dev"]),
            /PulumiPolicy\.yaml not found/,
        );
        const dir = program({ stacks: { dev: "" } });
        fs.writeFileSync(path.join(dir, "policy", "config", "dev.json"), "{ nope");
        assert.throws(() => resolvePolicies(dir, ["dev"]), /dev\.json is not valid JSON/);
    });
});
