// Test support for the pipeline driver: recorded engine-event fixtures, real Automation API
// CommandErrors, and a fake Stack that replays fixtures through onEvent.

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type {
    DestroyOptions,
    Deployment,
    EngineEvent,
    PreviewOptions,
    RefreshOptions,
    UpOptions,
} from "@pulumi/pulumi/automation";
import type { StackOps } from "../region";

const FIXTURES = path.resolve(__dirname, "..", "fixtures");

export interface EventFixture {
    readonly stack: string;
    readonly command: string;
    readonly cliExitCode: number;
    readonly stderr?: string;
    readonly events: EngineEvent[];
}

export function loadEvents(name: string): EventFixture {
    return JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.json`), "utf8")) as EventFixture;
}

export function loadState(name: string): Deployment {
    return (
        JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.json`), "utf8")) as {
            deployment: Deployment;
        }
    ).deployment;
}

/**
 * A CommandError exactly as the SDK's exec builds it in 3.248: execa rejects on a non-zero exit,
 * the SDK catches that and wraps it in a CommandResult with code -2 (automation/cmd.js).
 */
export function commandError(exitCode: number, stderr: string, args = "preview"): Error {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { CommandResult } = require("@pulumi/pulumi/automation/cmd") as {
        CommandResult: new (out: string, err: string, code: number, e?: Error) => unknown;
    };
    const { createCommandError } = require("@pulumi/pulumi/automation/errors") as {
        createCommandError: (r: unknown) => Error;
    };
    /* eslint-enable @typescript-eslint/no-require-imports */
    const execa = Object.assign(
        new Error(`Command failed with exit code ${exitCode}: pulumi ${args}\n${stderr}`),
        { exitCode },
    );
    return createCommandError(new CommandResult("", execa.message, -2, execa));
}

export type OpName = "preview" | "up" | "previewRefresh" | "destroy" | "refresh";

export interface RecordedCall {
    readonly op: OpName;
    readonly opts: PreviewOptions | UpOptions | RefreshOptions | DestroyOptions;
}

export interface FakeStackOptions {
    /** Fixture replayed per operation. */
    readonly fixtures: Partial<Record<OpName, EventFixture>>;
    /** Exported state for exportStack; an empty deployment when absent. */
    readonly state?: Deployment;
    /** Hold the operation until its signal aborts, then replay `onAbort`. */
    readonly blockUntilAborted?: EventFixture;
    /** Called when an operation starts (for ordering assertions). */
    readonly onStart?: () => void;
    readonly onFinish?: () => void;
    /** A self-managed backend's lock: operations that lock fail with the CLI's lock error. */
    readonly lock?: { readonly host: string; readonly pid: number };
}

/** The 3.248 CLI's stderr for a locked self-managed stack (pkg/backend/diy/lock.go). */
export function lockErrorText(host: string, pid: number, stack = "dev"): string {
    return (
        "error: the stack is currently locked by 1 lock(s). Either wait for the other " +
        "process(es) to end or delete the lock file with `pulumi cancel`.\n" +
        `  file:///state/.pulumi/locks/organization/cluster-fleet/${stack}/0b7c.json: ` +
        `created by root@${host} (pid ${pid}) at 2026-12-02T01:02:03Z\n`
    );
}

/** Operations that take the backend's lock (preview does not). */
const LOCKING: readonly OpName[] = ["up", "destroy", "refresh", "previewRefresh"];

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Replays recorded events through opts.onEvent and fails like the CLI would. */
export class FakeStack implements StackOps {
    readonly calls: RecordedCall[] = [];
    exports = 0;
    cancels = 0;
    private locked: FakeStackOptions["lock"];
    private state: Deployment | undefined;

    constructor(private readonly o: FakeStackOptions) {
        this.locked = o.lock;
        this.state = o.state;
    }

    private async replay(
        op: OpName,
        opts: PreviewOptions | UpOptions | RefreshOptions | DestroyOptions,
    ): Promise<void> {
        this.calls.push({ op, opts });
        if (this.locked && LOCKING.includes(op)) {
            throw commandError(255, lockErrorText(this.locked.host, this.locked.pid), op);
        }
        this.o.onStart?.();
        try {
            let fixture = this.o.fixtures[op];
            if (this.o.blockUntilAborted) {
                const signal = opts.signal;
                if (!signal) {
                    throw new Error("FakeStack: blockUntilAborted needs opts.signal");
                }
                await new Promise<void>((resolve) => {
                    if (signal.aborted) {
                        resolve();
                    }
                    signal.addEventListener("abort", () => resolve(), { once: true });
                });
                fixture = this.o.blockUntilAborted;
            }
            if (!fixture) {
                throw new Error(`FakeStack: no fixture for ${op}`);
            }
            for (const e of fixture.events) {
                await tick();
                opts.onEvent?.(e);
            }
            if (fixture.cliExitCode !== 0) {
                throw commandError(fixture.cliExitCode, fixture.stderr ?? "", op);
            }
        } finally {
            this.o.onFinish?.();
        }
    }

    preview(opts: PreviewOptions) {
        return this.replay("preview", opts);
    }
    up(opts: UpOptions) {
        return this.replay("up", opts);
    }
    previewRefresh(opts: RefreshOptions) {
        return this.replay("previewRefresh", opts);
    }
    destroy(opts: DestroyOptions) {
        return this.replay("destroy", opts);
    }
    /** A refresh drops every pending operation (and pending creates only when asked). */
    async refresh(opts: RefreshOptions) {
        this.calls.push({ op: "refresh", opts });
        if (this.locked) {
            throw commandError(255, lockErrorText(this.locked.host, this.locked.pid), "refresh");
        }
        const d = this.state?.deployment as { pending_operations?: { type: string }[] };
        if (d?.pending_operations) {
            d.pending_operations = d.pending_operations.filter(
                (p) => p.type === "creating" && !opts.clearPendingCreates,
            );
        }
    }
    async cancel() {
        this.cancels += 1;
        this.locked = undefined;
    }
    async exportStack(): Promise<Deployment> {
        this.exports += 1;
        return this.state ?? { version: 3, deployment: {} };
    }
}

/** A temporary Pulumi program directory with stack files and policy config. */
export function makeProgramDir(opts: {
    stacks: Record<string, string>;
    policyConfigs?: readonly string[];
    withPack?: boolean;
}): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fleet-pipeline-"));
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: cluster-fleet\nruntime: nodejs\n");
    for (const [stack, body] of Object.entries(opts.stacks)) {
        fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), body);
    }
    if (opts.withPack !== false) {
        fs.mkdirSync(path.join(dir, "policy", "config"), { recursive: true });
        fs.writeFileSync(path.join(dir, "policy", "PulumiPolicy.yaml"), "runtime: nodejs\n");
        for (const stack of opts.policyConfigs ?? Object.keys(opts.stacks)) {
            fs.writeFileSync(
                path.join(dir, "policy", "config", `${stack}.json`),
                '{ "control-plane-odd-replicas": "mandatory" }\n',
            );
        }
    }
    return dir;
}

const ns = (name?: string) => ({ metadata: name ? { name } : {} });
/** An exported state holding pending operations, as a killed `pulumi up` leaves it. */
export function pendingState(
    ops: { type: string; resType: string; name?: string; urn?: string }[],
): Deployment {
    return {
        version: 3,
        deployment: {
            resources: [],
            pending_operations: ops.map((o, i) => ({
                type: o.type,
                resource: {
                    urn: o.urn ?? `urn:pulumi:dev::cluster-fleet::${o.resType}::r${i}`,
                    type: o.resType,
                    custom: true,
                    inputs: ns(o.name),
                },
            })),
        },
    };
}
