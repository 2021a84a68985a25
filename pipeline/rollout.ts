// Multi-region rollout: the canary alone first, then the rest with bounded concurrency; destroy
// runs the other way round (canary last). Scheduling stops at the first failure. Regions already
// in flight are left to finish rather than cancelled: a cancelled `pulumi up` leaves its region
// half-applied, which is worse than a finished one. Only SIGINT cancels in-flight regions.

import type { EngineCommand } from "./args";
import type { RegionResult } from "./exitCodes";
import { crashedRegion, skippedRegion, type RegionSummary } from "./summary";

export interface RolloutPhase {
    readonly stacks: readonly string[];
    readonly concurrency: number;
}

export interface RolloutPlan {
    readonly phases: readonly RolloutPhase[];
}

export function planRollout(
    stacks: readonly string[],
    canary: string,
    command: EngineCommand,
    concurrency: number,
): RolloutPlan {
    if (!stacks.includes(canary)) {
        throw new Error(`canary "${canary}" is not one of ${stacks.join(", ")}`);
    }
    const rest = stacks.filter((s) => s !== canary);
    const phases: RolloutPhase[] =
        command === "destroy"
            ? [
                  { stacks: [...rest].reverse(), concurrency },
                  { stacks: [canary], concurrency: 1 },
              ]
            : [
                  { stacks: [canary], concurrency: 1 },
                  { stacks: rest, concurrency },
              ];
    return { phases: phases.filter((p) => p.stacks.length > 0) };
}

/** Every stack of the plan in the order it starts. */
export function executionOrder(plan: RolloutPlan): string[] {
    return plan.phases.flatMap((p) => [...p.stacks]);
}

/**
 * Whether a region's result stops the rollout. Failures and interruptions always do. A policy
 * violation stops `up` and `destroy`; read-only previews go on so every region's violations are
 * reported in one run.
 */
export function stopsRollout(command: EngineCommand, result: RegionResult): boolean {
    switch (result) {
        case "failed":
        case "interrupted":
            return true;
        case "policy-violation":
            return command === "up" || command === "destroy";
        default:
            return false;
    }
}

export type RegionRunner = (stack: string, signal: AbortSignal) => Promise<RegionSummary>;

export interface RolloutOptions {
    readonly plan: RolloutPlan;
    readonly command: EngineCommand;
    readonly signal: AbortSignal;
    readonly run: RegionRunner;
    /** Called as each region finishes (progress output). */
    readonly onRegionDone?: (region: RegionSummary) => void;
}

/** Runs the plan; returns one summary per stack, in execution order. */
export async function runRollout(opts: RolloutOptions): Promise<RegionSummary[]> {
    const order = executionOrder(opts.plan);
    const results = new Map<string, RegionSummary>();
    let stoppedBy: RegionSummary | undefined;

    const runOne = async (stack: string): Promise<void> => {
        const started = Date.now();
        let summary: RegionSummary;
        try {
            summary = await opts.run(stack, opts.signal);
        } catch (err) {
            summary = crashedRegion(
                stack,
                opts.command,
                opts.signal.aborted,
                Date.now() - started,
                err,
            );
        }
        results.set(stack, summary);
        if (!stoppedBy && stopsRollout(opts.command, summary.result)) {
            stoppedBy = summary;
        }
        opts.onRegionDone?.(summary);
    };

    for (const phase of opts.plan.phases) {
        let next = 0;
        const worker = async (): Promise<void> => {
            while (next < phase.stacks.length && !stoppedBy && !opts.signal.aborted) {
                const stack = phase.stacks[next++];
                await runOne(stack);
            }
        };
        const width = Math.max(1, Math.min(phase.concurrency, phase.stacks.length));
        await Promise.all(Array.from({ length: width }, worker));
        if (stoppedBy || opts.signal.aborted) {
            break;
        }
    }

    const notStarted = opts.signal.aborted
        ? "not started: interrupted (SIGINT)"
        : `not started: ${stoppedBy?.stack ?? "an earlier region"} ended with ${stoppedBy?.result ?? "a failure"}`;
    return order.map(
        (stack) => results.get(stack) ?? skippedRegion(stack, opts.command, notStarted),
    );
}
