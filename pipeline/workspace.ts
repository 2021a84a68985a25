// The Automation API adapter: the pinned Pulumi CLI and a LocalWorkspace stack per region over
// the local program directory (the same code path as `pulumi up` by hand).

import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";
import { SemVer } from "semver";
import type { EngineCommand } from "./args";
import type { StackOps } from "./region";
import { UsageError } from "./usageError";

/** The @pulumi/pulumi SDK version installed with the project: the CLI must match it exactly. */
export function sdkVersion(): string {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require("@pulumi/pulumi/package.json") as { version: string }).version;
}

/**
 * The Pulumi CLI at `<root>/bin/pulumi`, or `pulumi` on PATH, checked to be exactly the SDK's
 * version (the SDK itself only enforces a minimum).
 */
export async function resolvePulumiCommand(
    root: string | undefined,
    wanted: string = sdkVersion(),
): Promise<PulumiCommand> {
    const where = root ? `${root}/bin/pulumi` : "pulumi on PATH";
    const want = new SemVer(wanted);
    let cmd: PulumiCommand;
    try {
        cmd = await PulumiCommand.get({ root, version: want });
    } catch (err) {
        const msg = String((err as Error).message ?? err);
        if (/ENOENT/.test(msg)) {
            throw new UsageError(
                `Pulumi CLI not found (${where}); install v${wanted} and pass --pulumi-root <dir> ` +
                    "(the directory holding bin/pulumi) or put it on PATH",
            );
        }
        const first = msg.split("\n").find((l) => l.trim().length > 0) ?? msg;
        throw new UsageError(`Pulumi CLI (${where}) is unusable: ${first.trim()}`);
    }
    if (!cmd.version) {
        throw new UsageError(
            `Pulumi CLI (${where}) reports no version; build it with ` +
                "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v" +
                wanted,
        );
    }
    if (cmd.version.compare(want) !== 0) {
        throw new UsageError(
            `Pulumi CLI (${where}) is v${cmd.version.version} but the SDK is v${wanted}; ` +
                `install CLI v${wanted} (the pair is pinned)`,
        );
    }
    return cmd;
}

export interface StackTarget {
    readonly workDir: string;
    readonly stack: string;
    readonly command: EngineCommand;
    readonly pulumiCommand: PulumiCommand;
    readonly envVars: Readonly<Record<string, string>>;
}

/**
 * Opens the region's stack. preview and up create it when missing (as `pulumi stack init`
 * would); drift and destroy only select it, since a missing stack there is an error.
 */
export function stackOpener(target: StackTarget): () => Promise<StackOps> {
    return async () => {
        const args = { stackName: target.stack, workDir: target.workDir };
        const opts = { pulumiCommand: target.pulumiCommand, envVars: { ...target.envVars } };
        const creates = target.command === "preview" || target.command === "up";
        return creates
            ? LocalWorkspace.createOrSelectStack(args, opts)
            : LocalWorkspace.selectStack(args, opts);
    };
}
