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

export type OpName = "preview" | "up" | "previewRefresh" | "destroy";

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
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Replays recorded events through opts.onEvent and fails like the CLI would. */
export class FakeStack implements StackOps {
    readonly calls: RecordedCall[] = [];
    exports = 0;

    constructor(private readonly o: FakeStackOptions) {}

    private async replay(
        op: OpName,
        opts: PreviewOptions | UpOptions | RefreshOptions | DestroyOptions,
    ): Promise<void> {
        this.calls.push({ op, opts });
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
    async exportStack(): Promise<Deployment> {
        this.exports += 1;
        return this.o.state ?? { version: 3, deployment: {} };
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
