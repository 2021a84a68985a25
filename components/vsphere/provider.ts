// vsphere provider resource, shaped like @pulumi/vsphere 4.17.0's generated `Provider`.
// Differences on purpose: `allowUnverifiedSsl` is sent as false when not given, so neither an
// absent argument nor the VSPHERE_ALLOW_UNVERIFIED_SSL environment variable turns TLS
// verification off.
import * as pulumi from "@pulumi/pulumi";
import { types } from "../constants";
import { VSPHERE_PACKAGE, withResourceDefaults } from "./version";

/** The set of arguments for constructing a Provider resource (config keys `vsphere:*`). */
export interface ProviderArgs {
    /** If set, the vSphere client permits unverifiable TLS certificates. Defaults to false. */
    allowUnverifiedSsl?: pulumi.Input<boolean>;
    /** API timeout in minutes (default 5). */
    apiTimeout?: pulumi.Input<number>;
    /** govmomi debug. */
    clientDebug?: pulumi.Input<boolean>;
    /** govmomi debug path for debug. */
    clientDebugPath?: pulumi.Input<string>;
    /** govmomi debug path for a single run. */
    clientDebugPathRun?: pulumi.Input<string>;
    /** The user password for vSphere API operations. Always stored as a secret. */
    password: pulumi.Input<string>;
    /** Persist vSphere client sessions to disk. */
    persistSession?: pulumi.Input<boolean>;
    /** The directory to save vSphere REST API sessions to. */
    restSessionPath?: pulumi.Input<string>;
    /** The user name for vSphere API operations. */
    user: pulumi.Input<string>;
    /** @deprecated This field has been renamed to vsphere_server. */
    vcenterServer?: pulumi.Input<string>;
    /** Keep alive interval for the VIM session in minutes. */
    vimKeepAlive?: pulumi.Input<number>;
    /** The directory to save vSphere SOAP API sessions to. */
    vimSessionPath?: pulumi.Input<string>;
    /** The vSphere Server name for vSphere API operations. */
    vsphereServer?: pulumi.Input<string>;
}

/** The provider type for the vsphere package. */
export class Provider extends pulumi.ProviderResource {
    /** Package name; the registered type is `pulumi:providers:vsphere`. */
    public static readonly __pulumiType = VSPHERE_PACKAGE;

    /** True if `obj` is a vsphere Provider, across copies of the Pulumi SDK. */
    public static isInstance(obj: unknown): obj is Provider {
        if (obj === undefined || obj === null) {
            return false;
        }
        return (obj as Record<string, unknown>)["__pulumiType"] === types.VsphereProvider;
    }

    /**
     * Create a Provider resource with the given unique name, arguments, and options.
     *
     * @param name The _unique_ name of the resource.
     * @param args The arguments to use to populate this resource's properties.
     * @param opts A bag of options that control this resource's behavior.
     */
    constructor(name: string, args: ProviderArgs, opts?: pulumi.ResourceOptions) {
        const resourceInputs: pulumi.Inputs = {};
        opts = opts || {};
        if (args?.password === undefined && !opts.urn) {
            throw new Error("Missing required property 'password'");
        }
        if (args?.user === undefined && !opts.urn) {
            throw new Error("Missing required property 'user'");
        }
        // Provider config travels as strings: non-string values are JSON-encoded, as in the
        // generated SDK.
        resourceInputs["allowUnverifiedSsl"] = pulumi
            .output(args?.allowUnverifiedSsl ?? false)
            .apply(JSON.stringify);
        resourceInputs["apiTimeout"] = pulumi.output(args?.apiTimeout).apply(JSON.stringify);
        resourceInputs["clientDebug"] = pulumi.output(args?.clientDebug).apply(JSON.stringify);
        resourceInputs["clientDebugPath"] = args?.clientDebugPath;
        resourceInputs["clientDebugPathRun"] = args?.clientDebugPathRun;
        resourceInputs["password"] = args?.password ? pulumi.secret(args.password) : undefined;
        resourceInputs["persistSession"] = pulumi
            .output(args?.persistSession)
            .apply(JSON.stringify);
        resourceInputs["restSessionPath"] = args?.restSessionPath;
        resourceInputs["user"] = args?.user;
        resourceInputs["vcenterServer"] = args?.vcenterServer;
        resourceInputs["vimKeepAlive"] = pulumi.output(args?.vimKeepAlive).apply(JSON.stringify);
        resourceInputs["vimSessionPath"] = args?.vimSessionPath;
        resourceInputs["vsphereServer"] = args?.vsphereServer;
        opts = pulumi.mergeOptions(withResourceDefaults(opts), {
            additionalSecretOutputs: ["password"],
        });
        super(Provider.__pulumiType, name, resourceInputs, opts);
    }
}
