// Interrupted operations: what a killed `pulumi up` leaves behind and how the driver repairs it.
// A CLI that dies mid-update (SIGKILL, OOM, a lost CI runner) leaves two things:
//   - pending operations in the state (`pending_operations`): steps that started but whose
//     result was never recorded. The engine keeps pending CREATEs until someone decides about
//     them (`pulumi refresh` is interactive about them by default);
//   - the state backend's lock file (file:// and s3:// backends), holding the dead CLI's pid.
// Pure: the state, the lock error text and the facts about this host in; a plan and the lines
// the operator is told out. region.ts carries the plan out.

import type { Deployment } from "@pulumi/pulumi/automation";
import { types } from "../components/constants";

export interface PendingOperation {
    readonly urn: string;
    /** creating | updating | deleting | reading | importing. */
    readonly type: string;
    readonly resourceType: string;
    /** metadata.name the program sent, for Kubernetes objects. */
    readonly name?: string;
}

interface StateOperation {
    type?: unknown;
    resource?: { urn?: unknown; type?: unknown; inputs?: { metadata?: { name?: unknown } } };
}

/** The pending operations of an exported stack (empty for a new or clean stack). */
export function pendingOperationsOf(d: Deployment): PendingOperation[] {
    const ops = (d.deployment as { pending_operations?: StateOperation[] } | undefined)
        ?.pending_operations;
    return (ops ?? []).map((op) => {
        const name = op.resource?.inputs?.metadata?.name;
        return {
            urn: String(op.resource?.urn ?? ""),
            type: String(op.type ?? ""),
            resourceType: String(op.resource?.type ?? ""),
            ...(typeof name === "string" && name !== "" ? { name } : {}),
        };
    });
}

/**
 * A pending CREATE can be dropped from the state and created again without leaving a duplicate
 * behind when creating it twice yields the same object:
 *   - a Kubernetes object with a fixed metadata.name: the provider creates by server-side apply,
 *     an upsert, so the object an interrupted run made is adopted, not copied;
 *   - the program's own dynamic resources: ApiServerReady only observes, ArgoCdAppSync asks
 *     Argo CD for a sync, which is safe to ask for again.
 * Anything else (an auto-named object, a vSphere folder with a server-side id) may exist twice
 * afterwards, so it must be imported by its id instead.
 */
export function recreatable(op: PendingOperation): boolean {
    if (op.resourceType === types.ApiServerReady || op.resourceType === types.ArgoCdAppSync) {
        return true;
    }
    return op.resourceType.startsWith("kubernetes:") && op.name !== undefined;
}

/** One lock file of a self-managed backend, as the CLI's lock error lists it. */
export interface StackLock {
    /** Where the lock file is (credentials masked by the CLI). */
    readonly location: string;
    readonly user: string;
    readonly host: string;
    readonly pid: number;
    readonly createdAt: string;
}

// pkg/backend/diy/lock.go, checkForLock:
//   "the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end
//    or delete the lock file with `pulumi cancel`.\n  <url>: created by <user>@<host> (pid N) at T"
const LOCKED = /the stack is currently locked by \d+ lock\(s\)/;
const LOCK_LINE = /^\s*(\S+): created by (.*)@([^@\s]+) \(pid (\d+)\) at (\S+)\s*$/gm;

export function isLockError(text: string): boolean {
    return LOCKED.test(text);
}

/** The locks named in a lock error, each once (the SDK repeats stderr in its message). */
export function parseStackLocks(text: string): StackLock[] {
    const seen = new Map<string, StackLock>();
    for (const m of text.matchAll(LOCK_LINE)) {
        seen.set(m[1], {
            location: m[1],
            user: m[2],
            host: m[3],
            pid: Number(m[4]),
            createdAt: m[5],
        });
    }
    return [...seen.values()];
}

/** What this process knows about the machine it runs on. */
export interface HostFacts {
    readonly hostname: string;
    /** The process still runs and is a Pulumi CLI (a reused pid does not count). */
    readonly pulumiAlive: (pid: number) => boolean;
}

/**
 * A lock is stale only when its holder provably died: it was taken on this host by a process
 * that no longer runs. A lock from another host (a shared S3 backend, another CI runner) cannot
 * be judged from here.
 */
export function lockIsStale(lock: StackLock, here: HostFacts): boolean {
    return lock.host === here.hostname && !here.pulumiAlive(lock.pid);
}

export function describeLock(l: StackLock): string {
    return `${l.location} (${l.user}@${l.host}, pid ${l.pid}, since ${l.createdAt})`;
}

/** The driver's answer to a lock error: cancel a provably stale lock, or stop and say why. */
export type LockDecision =
    | { readonly action: "cancel"; readonly lines: readonly string[] }
    | { readonly action: "stop"; readonly message: string };

export function decideOnLock(stack: string, errorText: string, here: HostFacts): LockDecision {
    const locks = parseStackLocks(errorText);
    const live = locks.filter((l) => !lockIsStale(l, here));
    if (locks.length > 0 && live.length === 0) {
        return {
            action: "cancel",
            lines: [
                `${stack} is locked by a Pulumi CLI that no longer runs on this host: ` +
                    locks.map(describeLock).join("; "),
                `removing the stale lock with \`pulumi cancel --stack ${stack}\`, then retrying once`,
            ],
        };
    }
    const held = live.length > 0 ? live.map(describeLock).join("; ") : "(lock holder not listed)";
    return {
        action: "stop",
        message:
            `${stack} is locked by another update that may still be running: ${held}. ` +
            "Nothing was changed. Wait for it to finish; if you are sure it is dead (e.g. its " +
            `CI job was killed on another machine), run \`pulumi cancel --stack ${stack}\` and ` +
            "rerun.",
    };
}

/** What to do about the pending operations a killed run left in the state. */
export type PendingDecision =
    | { readonly action: "none" }
    | {
          readonly action: "refresh";
          readonly clearPendingCreates: boolean;
          readonly lines: readonly string[];
      }
    | { readonly action: "stop"; readonly message: string };

export function decideOnPending(
    stack: string,
    pending: readonly PendingOperation[],
): PendingDecision {
    if (pending.length === 0) {
        return { action: "none" };
    }
    const list = pending.map((p) => `${p.type} ${p.urn}`).join(", ");
    const creates = pending.filter((p) => p.type === "creating");
    const manual = creates.filter((p) => !recreatable(p));
    if (manual.length > 0) {
        return {
            action: "stop",
            message:
                `${stack}: an earlier update was interrupted and left ${pending.length} pending ` +
                `operation(s): ${list}. ${manual.length} pending create(s) cannot be created ` +
                `again without risking a duplicate: ${manual.map((p) => p.urn).join(", ")}. ` +
                "Check whether each exists, then run `pulumi refresh --stack " +
                `${stack} --import-pending-creates <URN> <ID> ...\` for those that do (or ` +
                "`--clear-pending-creates` if none does) and rerun.",
        };
    }
    const lines = [
        `${stack}: an earlier update was interrupted; the state holds ${pending.length} pending ` +
            `operation(s): ${list}`,
    ];
    if (creates.length > 0) {
        lines.push(
            `running \`pulumi refresh --clear-pending-creates --stack ${stack}\`: the ` +
                `${creates.length} pending create(s) are Kubernetes objects with fixed names ` +
                "(created by server-side apply, so the next up adopts what the interrupted run " +
                "made) or the program's idempotent dynamic resources; the refresh also re-reads " +
                "everything else from the clusters",
        );
    } else {
        lines.push(
            `running \`pulumi refresh --stack ${stack}\`: it re-reads the interrupted ` +
                "resources from the clusters and clears the pending operations",
        );
    }
    return { action: "refresh", clearPendingCreates: creates.length > 0, lines };
}
