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
import type { PolicyAttachment } from "./policyFiles";
import { classifyRegion, errorSummary, type RegionSummary } from "./summary";

/** The part of automation.Stack the driver uses. */
export interface StackOps {
    preview(opts: PreviewOptions): Promise<unknown>;
    up(opts: UpOptions): Promise<unknown>;
    previewRefresh(opts: RefreshOptions): Promise<unknown>;
    destroy(opts: DestroyOptions): Promise<unknown>;
    exportStack(): Promise<Deployment>;
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
}

/** Options every engine operation gets: event and output sinks, the abort signal. */
export type CommonOptions = Pick<
    UpOptions,
    "onEvent" | "onOutput" | "onError" | "signal" | "color"
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

/** Runs `req.command` on the stack `open()` yields. Never throws: failures become the result. */
export async function runRegion(
    open: () => Promise<StackOps>,
    req: RegionRequest,
    signal: AbortSignal,
    now: () => number = Date.now,
): Promise<RegionSummary> {
    const started = now();
    const events: EngineEvent[] = [];
    const common = {
        onEvent: (e: EngineEvent) => events.push(e),
        onOutput: req.onOutput,
        signal,
        color: "never" as const,
    };
    const policy = (): PolicyOptions => {
        if (!req.policy) {
            throw new Error(`${req.command} of ${req.stack} needs the policy pack and its config`);
        }
        return {
            policyPacks: [req.policy.packDir],
            policyPackConfigs: [req.policy.configFile],
        };
    };

    let error: unknown;
    let ops: StackOps | undefined;
    try {
        if (signal.aborted) {
            throw new Error("interrupted before start");
        }
        ops = await open();
        await runOperation(ops, req.command, common, policy, req.expectNoChanges);
    } catch (err) {
        error = err;
    }

    const digest = digestEvents(events);
    const classification = classifyRegion({
        command: req.command,
        expectNoChanges: req.expectNoChanges,
        digest,
        error,
        aborted: signal.aborted,
    });

    let clusters: RegionSummary["clusters"];
    let note: string | undefined;
    if (ops && req.command !== "destroy" && classification.result !== "interrupted") {
        try {
            clusters = clusterOutputs(stackOutputsFromDeployment(await ops.exportStack()));
        } catch (err) {
            note = `cluster outputs unavailable: ${errorSummary(err)}`;
        }
    }

    return {
        stack: req.stack,
        command: req.command,
        result: classification.result,
        durationMs: now() - started,
        changes: digest.changes,
        policyViolations: digest.policyViolations,
        errors: [...digest.errors, ...classification.extraErrors],
        failedResources: digest.failedResources,
        ...(clusters !== undefined ? { clusters } : {}),
        ...(classification.cliExitCode !== undefined
            ? { cliExitCode: classification.cliExitCode }
            : {}),
        ...(note !== undefined ? { note } : {}),
    };
}
