// Small readers for Kubernetes objects as the policy runtime presents them (plain JSON behind the
// unknown-checking proxy). Every read may throw UnknownValueError; callers decide what that means.
import { labels } from "../../components/constants";
import { readKnown } from "./known";

/** Props as the runtime hands them over: untyped JSON. */
export type Props = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function metadataName(props: Props): string | undefined {
    return props.metadata?.name;
}

/**
 * "namespace/name" for messages, with the namespace defaulted the way the API server does; never
 * throws, an unknown part reads "(unknown)".
 */
export function namespacedName(props: Props): string {
    const part = (get: () => unknown, fallback: string) => {
        const v = readKnown(get);
        return v.known ? String(v.value ?? fallback) : "(unknown)";
    };
    return `${part(() => props.metadata?.namespace, "default")}/${part(() => props.metadata?.name, "?")}`;
}

export function label(props: Props, key: string): string | undefined {
    return props.metadata?.labels?.[key];
}

/** The CAPI cluster an object belongs to: its cluster-name label, else spec.clusterName. */
export function clusterNameOf(props: Props): string | undefined {
    return label(props, labels.clusterName) ?? props.spec?.clusterName;
}

export function isArgoClusterSecret(props: Props): boolean {
    return label(props, labels.argocdSecretType) === "cluster";
}

/** A Secret's value for `key`, from stringData or base64 data (outputs carry only data). */
export function secretValue(props: Props, key: string): string | undefined {
    const s = props.stringData?.[key];
    if (s !== undefined) {
        return String(s);
    }
    const d = props.data?.[key];
    return d === undefined ? undefined : Buffer.from(String(d), "base64").toString("utf8");
}
