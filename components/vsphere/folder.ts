// vsphere Folder resource, shaped like @pulumi/vsphere 4.17.0's generated `Folder`.
import * as pulumi from "@pulumi/pulumi";
import { types } from "../constants";
import { withResourceDefaults } from "./version";

/**
 * A vSphere inventory folder (datacenter, host, vm, datastore or network folder). `path` is
 * relative to the root of its type in the datacenter: type "vm" with path "k8s/eu1" is
 * `/<datacenter>/vm/k8s/eu1`; the parent folder must exist.
 */
export class Folder extends pulumi.CustomResource {
    /**
     * Get an existing Folder resource's state with the given name, ID, and optional extra
     * properties used to qualify the lookup.
     */
    public static get(
        name: string,
        id: pulumi.Input<pulumi.ID>,
        state?: FolderState,
        opts?: pulumi.CustomResourceOptions,
    ): Folder {
        return new Folder(name, state as FolderArgs, { ...opts, id: id });
    }

    public static readonly __pulumiType = types.VsphereFolder;

    /** True if `obj` is a Folder, across copies of the Pulumi SDK. */
    public static isInstance(obj: unknown): obj is Folder {
        if (obj === undefined || obj === null) {
            return false;
        }
        return (obj as Record<string, unknown>)["__pulumiType"] === Folder.__pulumiType;
    }

    /** Map of custom attribute ids to attribute value strings. */
    declare public readonly customAttributes: pulumi.Output<{ [key: string]: string } | undefined>;
    /** The datacenter the folder is created in; required except for datacenter folders. */
    declare public readonly datacenterId: pulumi.Output<string | undefined>;
    /** Path relative to the root of the folder type in the datacenter. */
    declare public readonly path: pulumi.Output<string>;
    /** The IDs of tags attached to the folder. */
    declare public readonly tags: pulumi.Output<string[] | undefined>;
    /** One of `datacenter`, `host`, `vm`, `datastore`, `network`. */
    declare public readonly type: pulumi.Output<string>;

    /**
     * Create a Folder resource with the given unique name, arguments, and options.
     *
     * @param name The _unique_ name of the resource.
     * @param args The arguments to use to populate this resource's properties.
     * @param opts A bag of options that control this resource's behavior.
     */
    constructor(name: string, args: FolderArgs, opts?: pulumi.CustomResourceOptions);
    constructor(
        name: string,
        argsOrState?: FolderArgs | FolderState,
        opts?: pulumi.CustomResourceOptions,
    ) {
        const resourceInputs: pulumi.Inputs = {};
        opts = opts || {};
        if (opts.id) {
            const state = argsOrState as FolderState | undefined;
            resourceInputs["customAttributes"] = state?.customAttributes;
            resourceInputs["datacenterId"] = state?.datacenterId;
            resourceInputs["path"] = state?.path;
            resourceInputs["tags"] = state?.tags;
            resourceInputs["type"] = state?.type;
        } else {
            const args = argsOrState as FolderArgs | undefined;
            if (args?.path === undefined && !opts.urn) {
                throw new Error("Missing required property 'path'");
            }
            if (args?.type === undefined && !opts.urn) {
                throw new Error("Missing required property 'type'");
            }
            resourceInputs["customAttributes"] = args?.customAttributes;
            resourceInputs["datacenterId"] = args?.datacenterId;
            resourceInputs["path"] = args?.path;
            resourceInputs["tags"] = args?.tags;
            resourceInputs["type"] = args?.type;
        }
        super(Folder.__pulumiType, name, resourceInputs, withResourceDefaults(opts));
    }
}

/** Input properties used for looking up and filtering Folder resources. */
export interface FolderState {
    customAttributes?: pulumi.Input<{ [key: string]: pulumi.Input<string> }>;
    datacenterId?: pulumi.Input<string>;
    path?: pulumi.Input<string>;
    tags?: pulumi.Input<pulumi.Input<string>[]>;
    type?: pulumi.Input<string>;
}

/** The set of arguments for constructing a Folder resource. */
export interface FolderArgs {
    /** Map of custom attribute ids to attribute value strings (vCenter only). */
    customAttributes?: pulumi.Input<{ [key: string]: pulumi.Input<string> }>;
    /** The datacenter to create the folder in; required for all but datacenter folders. */
    datacenterId?: pulumi.Input<string>;
    /** Path relative to the root of the folder type in the datacenter, e.g. "k8s/eu1". */
    path: pulumi.Input<string>;
    /** The IDs of tags to attach to the folder. */
    tags?: pulumi.Input<pulumi.Input<string>[]>;
    /** One of `datacenter`, `host`, `vm`, `datastore`, `network`. */
    type: pulumi.Input<string>;
}
