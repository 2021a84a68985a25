// The plain shape every builder returns; the WorkloadCluster wraps it in a CustomResource.

export interface ObjectMeta {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
}

export interface Manifest<Spec = Record<string, unknown>> {
    readonly apiVersion: string;
    readonly kind: string;
    readonly metadata: ObjectMeta;
    readonly spec: Spec;
}

/** A v1beta2 object reference. */
export interface ObjectRef {
    readonly apiGroup: string;
    readonly kind: string;
    readonly name: string;
}
