// The vsphere provider plugin this binding is written against, and the option defaults every
// resource and invoke starts from. The generated @pulumi/vsphere SDK reads the version from its
// package.json (utilities.resourceOptsDefaults); we pin it here because the package is not
// available to us, so the engine still loads exactly resource-vsphere v4.17.0.
import * as pulumi from "@pulumi/pulumi";

/** Version of the vsphere resource plugin (pulumi-resource-vsphere) the binding targets. */
export const VSPHERE_PROVIDER_VERSION = "4.17.0";

/** Package name: the provider resource type is `pulumi:providers:vsphere`. */
export const VSPHERE_PACKAGE = "vsphere";

/** Defaults merged under the caller's options, as the generated SDK does. */
export function resourceOptsDefaults(): { version: string } {
    return { version: VSPHERE_PROVIDER_VERSION };
}

/** Caller options over the pinned-version defaults, for resources. */
export function withResourceDefaults(
    opts: pulumi.CustomResourceOptions | undefined,
): pulumi.CustomResourceOptions {
    return pulumi.mergeOptions(resourceOptsDefaults(), opts ?? {});
}

/** Caller options over the pinned-version defaults, for invokes (both forms). */
export function withInvokeDefaults<T extends pulumi.InvokeOptions>(opts: T | undefined): T {
    // mergeOptions is typed for resource options; the invoke option bags share its keys.
    return pulumi.mergeOptions(resourceOptsDefaults(), (opts ?? {}) as pulumi.ResourceOptions) as T;
}
