import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
    discoverStacks,
    isProductionStack,
    parseStackFile,
    readStackFile,
    secretsProviderOf,
    selectStacks,
} from "../stacks";
import { UsageError } from "../usageError";
import { makeProgramDir } from "./support";

describe("pipeline/stacks", () => {
    let dir: string;
    before(() => {
        dir = makeProgramDir({ stacks: { prod: "config: {}\n", dev: "config: {}\n" } });
        fs.writeFileSync(path.join(dir, "Pulumi.lab.yml"), "config: {}\n");
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("discovers stacks from Pulumi.<stack>.yaml, sorted, without Pulumi.yaml itself", () => {
        assert.deepEqual(discoverStacks(dir), ["dev", "lab", "prod"]);
        assert.equal(readStackFile(dir, "lab"), "config: {}\n");
        assert.equal(readStackFile(dir, "nope"), undefined);
    });

    it("needs a program directory", () => {
        assert.throws(() => discoverStacks(path.join(dir, "policy")), /has no Pulumi\.yaml/);
    });

    it("defaults to every stack with the first as canary", () => {
        assert.deepEqual(selectStacks(undefined, undefined, ["dev", "prod"]), {
            stacks: ["dev", "prod"],
            canary: "dev",
        });
        assert.deepEqual(selectStacks(["prod", "dev"], undefined, ["dev", "prod"]), {
            stacks: ["prod", "dev"],
            canary: "prod",
        });
        assert.equal(selectStacks(undefined, "prod", ["dev", "prod"]).canary, "prod");
    });

    it("leaves the lab stack out unless it is named", () => {
        assert.deepEqual(selectStacks(undefined, undefined, ["dev", "lab", "prod"]).stacks, [
            "dev",
            "prod",
        ]);
        assert.deepEqual(selectStacks(["lab"], undefined, ["dev", "lab", "prod"]).stacks, ["lab"]);
    });

    it("rejects stacks without a stack file and unknown canaries", () => {
        assert.throws(
            () => selectStacks(["dev", "eu9"], undefined, ["dev", "prod"]),
            (e: Error) =>
                e instanceof UsageError && /no Pulumi\.<stack>\.yaml for eu9/.test(e.message),
        );
        assert.throws(() => selectStacks(undefined, "eu9", ["dev"]), /--canary: "eu9"/);
        assert.throws(() => selectStacks(undefined, undefined, []), /no stacks/);
    });

    it("recognises production by name or by environment config", () => {
        assert.equal(isProductionStack("prod", undefined), true);
        assert.equal(isProductionStack("prod-eu1", undefined), true);
        assert.equal(isProductionStack("production", undefined), true);
        assert.equal(isProductionStack("products", undefined), false);
        assert.equal(
            isProductionStack("dev", parseStackFile("config:\n  cluster-fleet:region: eu1\n")),
            false,
        );
        assert.equal(
            isProductionStack(
                "eu1",
                parseStackFile("config:\n  cluster-fleet:environment: prod\n"),
            ),
            true,
        );
        assert.equal(
            isProductionStack(
                "eu1",
                parseStackFile("config:\n  cluster-fleet:region:\n    environment: production\n"),
            ),
            true,
        );
        assert.equal(
            isProductionStack("eu1", parseStackFile("config:\n  cluster-fleet:environment: dev\n")),
            false,
        );
        assert.equal(isProductionStack("eu1", parseStackFile("")), false);
    });

    it("reads the secrets provider of a stack file, passphrase by default", () => {
        assert.equal(secretsProviderOf(undefined), "passphrase");
        assert.equal(
            secretsProviderOf(parseStackFile("encryptionsalt: v1:abc\nconfig: {}\n")),
            "passphrase",
        );
        assert.equal(
            secretsProviderOf(
                parseStackFile(
                    "secretsprovider: awskms://alias/fleet?region=eu-central-1\nencryptedkey: x\n",
                ),
            ),
            "awskms://alias/fleet?region=eu-central-1",
        );
        assert.equal(secretsProviderOf(parseStackFile("")), "passphrase");
    });

    it("parses a stack file once for all readers: no file, a scalar, or bad YAML", () => {
        assert.equal(parseStackFile(undefined), undefined);
        assert.equal(parseStackFile("just text"), undefined);
        assert.deepEqual(parseStackFile("config: {}\n"), { config: {} });
        assert.throws(() => parseStackFile("config: [unclosed"), { name: "YAMLException" });
    });
});
