// Reading resource props that may be unknown during preview. The policy runtime wraps props in
// `unknownCheckingProxy`, so touching an unknown value throws `UnknownValueError`; the server turns
// that into an advisory "can't run during preview" diagnostic. Values that come from stack config
// must be known at preview, so policies read them through `readKnown` and report an unknown one
// as a violation instead: a mandatory policy then stays mandatory on preview.
import { UnknownValueError } from "@pulumi/policy";

/** A value read from props: either known, or unknown at `path` during preview. */
export type Known<T> =
    { readonly known: true; readonly value: T } | { readonly known: false; readonly path: string };

/** True for the error the runtime proxy throws when an unknown (preview) value is touched. */
export function isUnknownValueError(e: unknown): e is Error & { props: PropertyKey[] } {
    return e instanceof UnknownValueError;
}

/** Runs `get`; an unknown value anywhere on its path yields `{ known: false }`. */
export function readKnown<T>(get: () => T): Known<T> {
    try {
        return { known: true, value: get() };
    } catch (e) {
        if (isUnknownValueError(e)) {
            return { known: false, path: "." + e.props.map(String).join(".") };
        }
        throw e;
    }
}

/** The message for a config-derived value that is unknown at preview time. */
export function unknownAtPreview(what: string, path: string): string {
    return (
        `${what} (${path}) is not known at preview time. Derive it from stack config, not from ` +
        `another resource's outputs, so that this policy can enforce it before anything changes.`
    );
}
