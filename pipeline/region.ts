// One region's operation through the Automation API: run it with the policy pack attached,
// collect its engine events, read its cluster outputs and classify the result. The Stack is
// reached through the StackOps subset so tests can replay recorded events without the engine.

import type {
    DestroyOptions,
    Deployment,
    EngineEvent,
    PreviewOptions,
    RefreshOptions,
    UpOptions,
} from "@pulumi/pulumi/automation";
import type { EngineCommand } from "./args";
import { clusterOutputs, stackOutputsFromDeployment } from "./clusterOutputs";
import { digestEvents } from "./events";
import { localHostFacts } from "./hostFacts";
import type { PolicyAttachment } from "./policyFiles";
import {
    decideOnLock,
    decideOnPending,
    isLockError,
    pendingOperationsOf,
    type HostFacts,
} from "./recovery";
import { classifyRegion, errorSummary, type RegionSummary } from "./summary";
import { unreachableServers } from "./unreachable";

/** The part of automation.Stack the driver uses. */
export interface StackOps {
    preview(opts: PreviewOptions): Promise<unknown>;
    up(opts: UpOptions): Promise<unknown>;
    previewRefresh(opts: RefreshOptions): Promise<unknown>;
    destroy(opts: DestroyOptions): Promise<unknown>;
    exportStack(): Promise<Deployment>;
    /** Repairs the state after an interrupted update (recovery.ts). */
    refresh(opts: RefreshOptions): Promise<unknown>;
    /** `pulumi cancel`: on a self-managed backend it deletes the stack's lock files. */
    cancel(): Promise<void>;
}

export interface RegionRequest {
    readonly stack: string;
    readonly command: EngineCommand;
    /** preview only: fail with "changes" when the preview has any. */
    readonly expectNoChanges: boolean;
    /** Required for preview and up. */
    readonly policy?: PolicyAttachment;
    /** Engine progress text, for streaming to the terminal. */
    readonly onOutput?: (text: string) => void;
    /** What the driver decides on its own (recovery), one line each; shown even with --quiet. */
    readonly onNotice?: (line: string) => void;
    /** This machine, for judging backend locks; the real host by default. */
    readonly host?: HostFacts;
    /** `--parallel` of the engine operation; the engine's default when undefined. */
    readonly parallel?: number;
}

/** Options every engine operation gets: event and output sinks, the abort signal, parallelism. */
export type CommonOptions = Pick<
    UpOptions,
    "onEvent" | "onOutput" | "onError" | "signal" | "color" | "parallel"
>;

/** Where the policy pack and its per-stack config live. */
export interface PolicyOptions {
    readonly policyPacks: string[];
    readonly policyPackConfigs: string[];
}

/**
 * The engine call behind each driver command: the policy pack on preview and up, drift as a
 * refresh preview that expects no changes. The driver and the lab's event recorder share it.
 */
export async function runOperation(
    ops: StackOps,
    command: EngineCommand,
    common: CommonOptions,
    policy: () => PolicyOptions,
    expectNoChanges = false,
): Promise<void> {
    switch (command) {
        case "preview":
            await ops.preview({
                ...common,
                ...policy(),
                ...(expectNoChanges ? { expectNoChanges: true } : {}),
            });
            break;
        case "up":
            await ops.up({ ...common, ...policy() });
            break;
        case "drift":
            await ops.previewRefresh({ ...common, expectNoChanges: true });
            break;
        case "destroy":
            await ops.destroy({ ...common });
            break;
    }
}

/** Commands that take the backend's lock and may meet what an interrupted update left. */
function recovers(command: EngineCommand): boolean {
    return command === "up" || command === "destroy";
}

interface Recovery {
    readonly ops: StackOps;
    readonly req: RegionRequest;
    readonly host: HostFacts;
    readonly signal: AbortSignal;
    /** Tells the operator and records the line in the summary. */
    readonly say: (line: string) => void;
}

/**
 * Runs `fn`; when it fails because the stack is locked by a Pulumi CLI that provably died on
 * this host, removes the lock (`pulumi cancel`) and runs `fn` once more. A lock that may be live
 * becomes a clear error that names its holder.
 */
async function withStaleLockRetry<T>(
    r: Recovery,
    fn: () => Promise<T>,
    beforeRetry: () => void = () => undefined,
): Promise<T> {
    try {
        return await fn();
    } catch (err) {
        const text = String((err as { message?: unknown })?.message ?? err);
        if (!isLockError(text)) {
            throw err;
        }
        const decision = decideOnLock(r.req.stack, text, r.host);
        if (decision.action === "stop") {
            throw new Error(decision.message);
        }
        decision.lines.forEach(r.say);
        await r.ops.cancel();
        beforeRetry();
        return await fn();
    }
}

/** Repairs pending operations left by an interrupted update before running the command. */
async function recoverPending(r: Recovery): Promise<void> {
    const pending = pendingOperationsOf(await r.ops.exportStack());
    const decision = decideOnPending(r.req.stack, pending);
    if (decision.action === "none") {
        return;
    }
    if (decision.action === "stop") {
        throw new Error(decision.message);
    }
    decision.lines.forEach(r.say);
    await withStaleLockRetry(r, () =>
        r.ops.refresh({
            onOutput: r.req.onOutput,
            signal: r.signal,
            color: "never",
            ...(decision.clearPendingCreates ? { clearPendingCreates: true } : {}),
        }),
    );
    const left = pendingOperationsOf(await r.ops.exportStack());
    if (left.length > 0) {
        throw new Error(
            `${r.req.stack}: the refresh left ${left.length} pending operation(s): ` +
                left.map((p) => `${p.type} ${p.urn}`).join(", "),
        );
    }
    r.say(`${r.req.stack}: no pending operations left; running ${r.req.command}`);
}

/** The options of every engine call of the region; its events are collected into `events`. */
function commonOptions(
    req: RegionRequest,
    signal: AbortSignal,
    events: EngineEvent[],
): CommonOptions {
    return {
        onEvent: (e: EngineEvent) => events.push(e),
        onOutput: req.onOutput,
        signal,
        color: "never",
        ...(req.parallel !== undefined ? { parallel: req.parallel } : {}),
    };
}

/** The pack and its config; asked for only by the commands that attach them. */
function policyOptions(req: RegionRequest): () => PolicyOptions {
    return () => {
        if (!req.policy) {
            throw new Error(`${req.command} of ${req.stack} needs the policy pack and its config`);
        }
        return {
            policyPacks: [req.policy.packDir],
            policyPackConfigs: [req.policy.configFile],
        };
    };
}

/** How far a region's operation got: the stack, when it opened, and what it threw. */
interface Attempt {
    readonly ops?: StackOps;
    readonly error?: unknown;
}

/** Opens the stack, repairs it if needed and runs the command; failures are returned. */
async function attemptOperation(
    open: () => Promise<StackOps>,
    req: RegionRequest,
    signal: AbortSignal,
    events: EngineEvent[],
    say: (line: string) => void,
): Promise<Attempt> {
    let ops: StackOps | undefined;
    try {
        if (signal.aborted) {
            throw new Error("interrupted before start");
        }
        const opened = await open();
        ops = opened;
        const r: Recovery = { ops: opened, req, host: req.host ?? localHostFacts(), signal, say };
        if (recovers(req.command)) {
            await recoverPending(r);
        }
        const common = commonOptions(req, signal, events);
        const policy = policyOptions(req);
        await withStaleLockRetry(
            r,
            () => runOperation(opened, req.command, common, policy, req.expectNoChanges),
            // The failed attempt never reached the engine; its events would only confuse.
            () => events.splice(0),
        );
        return { ops };
    } catch (error) {
        return { ops, error };
    }
}

/** The stack's cluster outputs, or a note on why they could not be read. */
async function readClusters(
    ops: StackOps,
): Promise<{ clusters?: RegionSummary["clusters"]; note?: string }> {
    try {
        return { clusters: clusterOutputs(stackOutputsFromDeployment(await ops.exportStack())) };
    } catch (err) {
        return { note: `cluster outputs unavailable: ${errorSummary(err)}` };
    }
}

/** Runs `req.command` on the stack `open()` yields. Never throws: failures become the result. */
export async function runRegion(
    open: () => Promise<StackOps>,
    req: RegionRequest,
    signal: AbortSignal,
    now: () => number = Date.now,
): Promise<RegionSummary> {
    const started = now();
    const events: EngineEvent[] = [];
    const recovery: string[] = [];
    const say = (line: string) => {
        recovery.push(line);
        req.onNotice?.(line);
    };
    const { ops, error } = await attemptOperation(open, req, signal, events, say);

    const digest = digestEvents(events);
    const classification = classifyRegion({
        command: req.command,
        expectNoChanges: req.expectNoChanges,
        digest,
        error,
        aborted: signal.aborted,
    });
    const errors = [...digest.errors, ...classification.extraErrors];
    const { clusters, note } =
        ops && req.command !== "destroy" && classification.result !== "interrupted"
            ? await readClusters(ops)
            : {};

    return {
        stack: req.stack,
        command: req.command,
        result: classification.result,
        durationMs: now() - started,
        changes: digest.changes,
        policyViolations: digest.policyViolations,
        errors: [...unreachableServers(errors), ...errors],
        failedResources: digest.failedResources,
        ...(clusters !== undefined ? { clusters } : {}),
        ...(classification.cliExitCode !== undefined
            ? { cliExitCode: classification.cliExitCode }
            : {}),
        ...(note !== undefined ? { note } : {}),
        ...(recovery.length > 0 ? { recovery } : {}),
    };
}
