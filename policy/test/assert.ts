// Assertions over policy outcomes.
import * as assert from "node:assert/strict";
import { Outcome, messages } from "../testing";

/** The outcome has exactly one violation per pattern, in any order, and ran to completion. */
export function assertViolations(o: Outcome, ...patterns: RegExp[]): void {
    assert.equal(o.previewSkipped, undefined, `policy was skipped: ${o.previewSkipped}`);
    assert.equal(o.notApplicable, undefined, `policy was not applicable: ${o.notApplicable}`);
    const ms = messages(o);
    assert.equal(
        ms.length,
        patterns.length,
        `expected ${patterns.length} violations, got:\n${ms.join("\n")}`,
    );
    for (const p of patterns) {
        assert.ok(
            ms.some((m) => p.test(m)),
            `no violation matches ${p}; got:\n${ms.join("\n")}`,
        );
    }
}

export function assertPasses(o: Outcome): void {
    assertViolations(o);
}
