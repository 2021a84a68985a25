// Reduces a run's engine events to what the summary reports: change counts, policy violations,
// error diagnostics and failed resource operations. Pure; fed by onEvent or by recorded fixtures.

import type { EngineEvent, OpMap } from "@pulumi/pulumi/automation";
import { redact } from "../components/providers/redact";

export interface ChangeCounts {
    create: number;
    update: number;
    delete: number;
    replace: number;
    same: number;
}

/** "advisory" is what the engine calls "warning". */
export type PolicyLevel = "mandatory" | "advisory" | "remediate";

export interface PolicyViolation {
    readonly policyPack: string;
    readonly policyPackVersion: string;
    readonly policyName: string;
    readonly level: PolicyLevel;
    readonly message: string;
    readonly urn?: string;
}

export interface RegionError {
    readonly message: string;
    readonly urn?: string;
}

export interface FailedResource {
    readonly urn: string;
    readonly type: string;
    readonly op: string;
    readonly status: number;
}

export interface EventDigest {
    readonly changes: ChangeCounts;
    /** "summary" when the engine's summaryEvent arrived, else counted from step events. */
    readonly changesFrom: "summary" | "steps" | "none";
    readonly policyViolations: readonly PolicyViolation[];
    readonly errors: readonly RegionError[];
    readonly failedResources: readonly FailedResource[];
    /** The engine saw a cancellation (cancelEvent). */
    readonly cancelled: boolean;
    /** The engine flagged the state as possibly corrupt. */
    readonly maybeCorrupt: boolean;
}

const COUNTED = ["create", "update", "delete", "replace", "same"] as const;
const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";

export function emptyChanges(): ChangeCounts {
    return { create: 0, update: 0, delete: 0, replace: 0, same: 0 };
}

/** True when anything but "same" is counted. */
export function hasChanges(c: ChangeCounts): boolean {
    return c.create + c.update + c.delete + c.replace > 0;
}

/**
 * Makes an engine message fit for a summary: strips ANSI escapes and Pulumi colour tags, trims,
 * and redacts secret-shaped text. The engine already masks secret values as "[secret]"; this is
 * the second line of defence (e.g. a provider echoing a token in an error).
 */
export function cleanMessage(message: string, secrets: readonly string[] = []): string {
    const plain = message
        .replace(/\u001b\[[0-9;]*[A-Za-z]/g, "")
        .replace(/<\{%[^%]*%\}>/g, "")
        .trim();
    return redact(plain, secrets);
}

function policyLevel(raw: string): PolicyLevel | undefined {
    switch (raw) {
        case "mandatory":
            return "mandatory";
        case "warning":
        case "advisory":
            return "advisory";
        case "remediate":
            return "remediate";
        default:
            return undefined; // "none"/"disabled": not a finding
    }
}

function countsFromOpMap(ops: OpMap): ChangeCounts {
    const c = emptyChanges();
    for (const op of COUNTED) {
        c[op] = ops[op] ?? 0;
    }
    return c;
}

/**
 * Counts step events when no summary arrived (the 3.248 engine sends one even for failed and
 * cancelled runs, so this is for a CLI that died): the last logical op per URN. Replacements
 * also emit create-replacement/delete-replaced steps; only "replace" counts.
 */
function countsFromSteps(events: readonly EngineEvent[]): ChangeCounts {
    const lastOp = new Map<string, string>();
    for (const e of events) {
        const meta = e.resourcePreEvent?.metadata;
        // The engine's summary leaves the root stack resource out (seen on 3.248): so do we.
        if (
            meta &&
            meta.type !== ROOT_STACK_TYPE &&
            (COUNTED as readonly string[]).includes(meta.op)
        ) {
            if (lastOp.get(meta.urn) !== "replace") {
                lastOp.set(meta.urn, meta.op);
            }
        }
    }
    const c = emptyChanges();
    for (const op of lastOp.values()) {
        c[op as keyof ChangeCounts] += 1;
    }
    return c;
}

function policyViolations(
    ordered: readonly EngineEvent[],
    secrets: readonly string[],
): PolicyViolation[] {
    const found: PolicyViolation[] = [];
    for (const { policyEvent: p } of ordered) {
        const level = p ? policyLevel(p.enforcementLevel) : undefined;
        if (p && level) {
            found.push({
                policyPack: p.policyPackName,
                policyPackVersion: p.policyPackVersion,
                policyName: p.policyName,
                level,
                message: cleanMessage(p.message, secrets),
                ...(p.resourceUrn ? { urn: p.resourceUrn } : {}),
            });
        }
    }
    return found;
}

/** Error diagnostics, once per resource and message: the engine repeats some. */
function errorDiagnostics(
    ordered: readonly EngineEvent[],
    secrets: readonly string[],
): RegionError[] {
    const errors: RegionError[] = [];
    const seen = new Set<string>();
    for (const { diagnosticEvent: d } of ordered) {
        if (!d || d.severity !== "error") continue;
        const message = cleanMessage(d.message, secrets);
        const key = `${d.urn ?? ""}\u0000${message}`;
        if (message.length > 0 && !seen.has(key)) {
            seen.add(key);
            errors.push({ message, ...(d.urn ? { urn: d.urn } : {}) });
        }
    }
    return errors;
}

function failedResources(ordered: readonly EngineEvent[]): FailedResource[] {
    return ordered.flatMap(({ resOpFailedEvent: f }) =>
        f
            ? [{ urn: f.metadata.urn, type: f.metadata.type, op: f.metadata.op, status: f.status }]
            : [],
    );
}

/** The last summary's counts, and whether any summary flagged the state as possibly corrupt. */
function engineSummary(ordered: readonly EngineEvent[]): {
    summary: OpMap | undefined;
    maybeCorrupt: boolean;
} {
    let summary: OpMap | undefined;
    let maybeCorrupt = false;
    for (const { summaryEvent } of ordered) {
        if (summaryEvent) {
            summary = summaryEvent.resourceChanges ?? {};
            maybeCorrupt = maybeCorrupt || summaryEvent.maybeCorrupt === true;
        }
    }
    return { summary, maybeCorrupt };
}

export function digestEvents(
    events: readonly EngineEvent[],
    secrets: readonly string[] = [],
): EventDigest {
    const ordered = [...events].sort((a, b) => a.sequence - b.sequence);
    const { summary, maybeCorrupt } = engineSummary(ordered);
    return {
        changes: summary !== undefined ? countsFromOpMap(summary) : countsFromSteps(ordered),
        changesFrom:
            summary !== undefined
                ? "summary"
                : ordered.some((e) => e.resourcePreEvent)
                  ? "steps"
                  : "none",
        policyViolations: policyViolations(ordered, secrets),
        errors: errorDiagnostics(ordered, secrets),
        failedResources: failedResources(ordered),
        cancelled: ordered.some((e) => e.cancelEvent),
        maybeCorrupt,
    };
}
