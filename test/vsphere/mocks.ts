// Pulumi mocks for the vsphere specs: record every registration and invoke, answer invokes only
// for tokens a test registered (unknown tokens throw), and await outputs without leaking
// rejections into mocha.
import * as pulumi from "@pulumi/pulumi";

/** The marker the SDK wraps secret values in when they reach the mock monitor. */
export const SECRET_SIG = "4dabf18193072939515e22adb298388d";
export const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";

export type CallHandler = (inputs: Record<string, unknown>) => Record<string, unknown>;

export class RecordingMocks implements pulumi.runtime.Mocks {
    public readonly resources: pulumi.runtime.MockResourceArgs[] = [];
    public readonly calls: pulumi.runtime.MockCallArgs[] = [];
    private handlers = new Map<string, CallHandler>();

    /** Forgets recorded registrations, invokes and handlers. */
    public reset(): void {
        this.resources.length = 0;
        this.calls.length = 0;
        this.handlers = new Map();
    }

    public on(token: string, handler: CallHandler): this {
        this.handlers.set(token, handler);
        return this;
    }

    public newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
        this.resources.push(args);
        // `id` is "" (not undefined) for plain registrations: only reads and imports carry one.
        return { id: args.id || `${args.name}-id`, state: args.inputs };
    }

    public call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        this.calls.push(args);
        const handler = this.handlers.get(args.token);
        if (!handler) {
            throw new Error(`Mock not implemented: ${args.token}`);
        }
        return handler(args.inputs as Record<string, unknown>);
    }

    public callsTo(token: string): pulumi.runtime.MockCallArgs[] {
        return this.calls.filter((c) => c.token === token);
    }

    public registered(type: string): pulumi.runtime.MockResourceArgs[] {
        return this.resources.filter((r) => r.type === type);
    }
}

/** Installs `mocks` (project cluster-fleet, stack test, not a preview). */
export async function installMocks(mocks: RecordingMocks): Promise<void> {
    await pulumi.runtime.setMocks(mocks, "cluster-fleet", "test", false);
}

/** An error as the engine reports a failed invoke: the provider's text in `details`. */
export function providerError(details: string): Error {
    return Object.assign(new Error(details), { details });
}

interface OutputInternals<T> {
    promise(withUnknowns?: boolean): Promise<T>;
    isKnown: Promise<boolean>;
    isSecret: Promise<boolean>;
}

export type Settled<T> = { ok: true; value: T } | { ok: false; error: Error };

/**
 * Awaits an Output, catching every promise it exposes so that a rejected Output does not
 * surface as an unhandled rejection in another test.
 */
export async function settle<T>(o: pulumi.Output<T>): Promise<Settled<T>> {
    const int = o as unknown as OutputInternals<T>;
    const [value] = await Promise.allSettled([int.promise(), int.isKnown, int.isSecret]);
    return value.status === "fulfilled"
        ? { ok: true, value: value.value }
        : { ok: false, error: value.reason as Error };
}

/** The Output's value; fails the test if it rejected. */
export async function valueOf<T>(o: pulumi.Output<T>): Promise<T> {
    const s = await settle(o);
    if (!s.ok) {
        throw s.error;
    }
    return s.value;
}
