import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
    checkpointEnv,
    displayBackend,
    resolveEngineEnvironment,
    transpileOnlyEnv,
} from "../environment";
import { UsageError } from "../usageError";

describe("pipeline/environment", () => {
    const pass = { PULUMI_CONFIG_PASSPHRASE: "p" };

    it("defaults to a file backend in the program directory", () => {
        const e = resolveEngineEnvironment(undefined, "/repo", pass);
        assert.equal(e.backendUrl, "file:///repo/.pulumi-state");
        assert.equal(e.stateDir, "/repo/.pulumi-state");
        assert.deepEqual(e.envVars, {
            PULUMI_BACKEND_URL: "file:///repo/.pulumi-state",
            PULUMI_SKIP_UPDATE_CHECK: "true",
        });
        assert.equal("PULUMI_CONFIG_PASSPHRASE" in e.envVars, false, "never copies the secret");
    });

    it("honours PULUMI_BACKEND_URL, and --backend over it", () => {
        const env = { ...pass, PULUMI_BACKEND_URL: "s3://bucket/fleet?region=eu-west-1" };
        assert.equal(
            resolveEngineEnvironment(undefined, "/repo", env).backendUrl,
            env.PULUMI_BACKEND_URL,
        );
        assert.equal(resolveEngineEnvironment(undefined, "/repo", env).stateDir, undefined);
        assert.equal(
            resolveEngineEnvironment("file:///srv/state", "/repo", env).backendUrl,
            "file:///srv/state",
        );
    });

    it("needs a passphrase for non-service backends, and accepts an empty one", () => {
        assert.throws(
            () => resolveEngineEnvironment(undefined, "/repo", {}),
            (e: Error) =>
                e instanceof UsageError &&
                /PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE must be set/.test(
                    e.message,
                ),
        );
        assert.doesNotThrow(() =>
            resolveEngineEnvironment(undefined, "/repo", { PULUMI_CONFIG_PASSPHRASE: "" }),
        );
        assert.doesNotThrow(() => resolveEngineEnvironment("https://api.pulumi.com", "/repo", {}));
    });

    it("needs no passphrase when every stack uses a KMS or Vault secrets provider", () => {
        const s3 = "s3://state?endpoint=https://127.0.0.1:9000&s3ForcePathStyle=true&region=eu-1";
        assert.doesNotThrow(() =>
            resolveEngineEnvironment(s3, "/repo", {}, [
                "awskms://alias/fleet",
                "hashivault://fleet",
            ]),
        );
        assert.throws(
            () => resolveEngineEnvironment(s3, "/repo", {}, ["awskms://alias/fleet", "passphrase"]),
            /PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE must be set/,
        );
        assert.equal(resolveEngineEnvironment(s3, "/repo", {}, []).stateDir, undefined);
    });

    it("checks the passphrase file is readable", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fleet-pass-"));
        try {
            const file = path.join(dir, "pass");
            assert.throws(
                () =>
                    resolveEngineEnvironment(undefined, "/repo", {
                        PULUMI_CONFIG_PASSPHRASE_FILE: file,
                    }),
                /PULUMI_CONFIG_PASSPHRASE_FILE: cannot read/,
            );
            fs.writeFileSync(file, "p");
            assert.doesNotThrow(() =>
                resolveEngineEnvironment(undefined, "/repo", {
                    PULUMI_CONFIG_PASSPHRASE_FILE: file,
                }),
            );
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("rejects a backend that is not a URL", () => {
        assert.throws(() => resolveEngineEnvironment("./state", "/repo", pass), /is not a URL/);
    });

    it("shows backends without credentials", () => {
        assert.equal(
            displayBackend("https://user:tok3n@state.example.net/fleet?sig=abc"),
            "https://state.example.net/fleet",
        );
        assert.equal(displayBackend("file:///repo/.pulumi-state"), "file:///repo/.pulumi-state");
    });

    it("sets PULUMI_SKIP_CHECKPOINTS either way, so only --skip-checkpoints turns it on", () => {
        assert.deepEqual(checkpointEnv(true), { PULUMI_SKIP_CHECKPOINTS: "true" });
        assert.deepEqual(checkpointEnv(false), { PULUMI_SKIP_CHECKPOINTS: "false" });
    });

    it("turns transpile-only on only after the driver's own type check", () => {
        const checked = { entry: "index.ts", files: 1135, programFiles: 55 };
        assert.deepEqual(transpileOnlyEnv(checked), { PULUMI_NODEJS_TRANSPILE_ONLY: "true" });
        assert.deepEqual(transpileOnlyEnv(undefined), { PULUMI_NODEJS_TRANSPILE_ONLY: "false" });
    });
});
