import * as assert from "node:assert/strict";
import {
    ExitCode,
    exitCodeForResult,
    mostSevere,
    overallExitCode,
    type RegionResult,
} from "../exitCodes";

describe("pipeline/exitCodes", () => {
    it("maps each region result to its code", () => {
        const table: [RegionResult, number][] = [
            ["ok", 0],
            ["skipped", 0],
            ["changes", 4],
            ["policy-violation", 3],
            ["failed", 1],
            ["interrupted", 130],
        ];
        for (const [result, code] of table) {
            assert.equal(exitCodeForResult(result), code, result);
        }
    });

    it("ranks failure > interrupted > policy > changes > ok", () => {
        assert.equal(overallExitCode(["ok", "changes", "policy-violation"], false), 3);
        assert.equal(overallExitCode(["changes", "ok"], false), 4);
        assert.equal(overallExitCode(["interrupted", "policy-violation"], false), 130);
        assert.equal(overallExitCode(["interrupted", "failed", "changes"], false), 1);
        assert.equal(overallExitCode(["ok", "ok"], false), 0);
        assert.equal(overallExitCode([], false), 0);
        assert.equal(mostSevere([ExitCode.ChangesFound, ExitCode.Ok]), ExitCode.ChangesFound);
    });

    it("counts SIGINT even when every started region finished", () => {
        assert.equal(overallExitCode(["ok", "skipped"], true), 130);
        assert.equal(overallExitCode(["failed", "skipped"], true), 1);
    });
});
