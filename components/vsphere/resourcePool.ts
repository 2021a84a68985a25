// vsphere ResourcePool resource, shaped like @pulumi/vsphere 4.17.0's generated `ResourcePool`.
import * as pulumi from "@pulumi/pulumi";
import { types } from "../constants";
import { withResourceDefaults } from "./version";

const PROPS = [
    "cpuExpandable",
    "cpuLimit",
    "cpuReservation",
    "cpuShareLevel",
    "cpuShares",
    "customAttributes",
    "memoryExpandable",
    "memoryLimit",
    "memoryReservation",
    "memoryShareLevel",
    "memoryShares",
    "name",
    "parentResourcePoolId",
    "scaleDescendantsShares",
    "tags",
] as const;

/** A resource pool under a cluster's root pool, a host's root pool or another pool. */
export class ResourcePool extends pulumi.CustomResource {
    /**
     * Get an existing ResourcePool resource's state with the given name, ID, and optional extra
     * properties used to qualify the lookup.
     */
    public static get(
        name: string,
        id: pulumi.Input<pulumi.ID>,
        state?: ResourcePoolState,
        opts?: pulumi.CustomResourceOptions,
    ): ResourcePool {
        return new ResourcePool(name, state as ResourcePoolArgs, { ...opts, id: id });
    }

    public static readonly __pulumiType = types.VsphereResourcePool;

    /** True if `obj` is a ResourcePool, across copies of the Pulumi SDK. */
    public static isInstance(obj: unknown): obj is ResourcePool {
        if (obj === undefined || obj === null) {
            return false;
        }
        return (obj as Record<string, unknown>)["__pulumiType"] === ResourcePool.__pulumiType;
    }

    declare public readonly cpuExpandable: pulumi.Output<boolean | undefined>;
    declare public readonly cpuLimit: pulumi.Output<number | undefined>;
    declare public readonly cpuReservation: pulumi.Output<number | undefined>;
    declare public readonly cpuShareLevel: pulumi.Output<string | undefined>;
    declare public readonly cpuShares: pulumi.Output<number>;
    declare public readonly customAttributes: pulumi.Output<{ [key: string]: string } | undefined>;
    declare public readonly memoryExpandable: pulumi.Output<boolean | undefined>;
    declare public readonly memoryLimit: pulumi.Output<number | undefined>;
    declare public readonly memoryReservation: pulumi.Output<number | undefined>;
    declare public readonly memoryShareLevel: pulumi.Output<string | undefined>;
    declare public readonly memoryShares: pulumi.Output<number>;
    /** The name of the resource pool. */
    declare public readonly name: pulumi.Output<string>;
    /** The managed object ID of the parent resource pool. */
    declare public readonly parentResourcePoolId: pulumi.Output<string>;
    declare public readonly scaleDescendantsShares: pulumi.Output<string | undefined>;
    declare public readonly tags: pulumi.Output<string[] | undefined>;

    /**
     * Create a ResourcePool resource with the given unique name, arguments, and options.
     *
     * @param name The _unique_ name of the resource.
     * @param args The arguments to use to populate this resource's properties.
     * @param opts A bag of options that control this resource's behavior.
     */
    constructor(name: string, args: ResourcePoolArgs, opts?: pulumi.CustomResourceOptions);
    constructor(
        name: string,
        argsOrState?: ResourcePoolArgs | ResourcePoolState,
        opts?: pulumi.CustomResourceOptions,
    ) {
        const resourceInputs: pulumi.Inputs = {};
        opts = opts || {};
        const bag = argsOrState as ResourcePoolState | undefined;
        if (!opts.id && bag?.parentResourcePoolId === undefined && !opts.urn) {
            throw new Error("Missing required property 'parentResourcePoolId'");
        }
        for (const p of PROPS) {
            resourceInputs[p] = bag?.[p];
        }
        super(ResourcePool.__pulumiType, name, resourceInputs, withResourceDefaults(opts));
    }
}

/** Input properties used for looking up and filtering ResourcePool resources. */
export interface ResourcePoolState {
    cpuExpandable?: pulumi.Input<boolean>;
    cpuLimit?: pulumi.Input<number>;
    cpuReservation?: pulumi.Input<number>;
    cpuShareLevel?: pulumi.Input<string>;
    cpuShares?: pulumi.Input<number>;
    customAttributes?: pulumi.Input<{ [key: string]: pulumi.Input<string> }>;
    memoryExpandable?: pulumi.Input<boolean>;
    memoryLimit?: pulumi.Input<number>;
    memoryReservation?: pulumi.Input<number>;
    memoryShareLevel?: pulumi.Input<string>;
    memoryShares?: pulumi.Input<number>;
    name?: pulumi.Input<string>;
    parentResourcePoolId?: pulumi.Input<string>;
    scaleDescendantsShares?: pulumi.Input<string>;
    tags?: pulumi.Input<pulumi.Input<string>[]>;
}

/** The set of arguments for constructing a ResourcePool resource. */
export interface ResourcePoolArgs {
    /** Whether the CPU reservation may grow beyond its value. Default `true`. */
    cpuExpandable?: pulumi.Input<boolean>;
    /** CPU limit in MHz; `-1` for unlimited (default). */
    cpuLimit?: pulumi.Input<number>;
    /** Guaranteed CPU in MHz. Default `0`. */
    cpuReservation?: pulumi.Input<number>;
    /** `low`, `normal` (default), `high` or `custom`. */
    cpuShareLevel?: pulumi.Input<string>;
    /** CPU shares when `cpuShareLevel` is `custom`. */
    cpuShares?: pulumi.Input<number>;
    /** Map of custom attribute ids to attribute value strings (vCenter only). */
    customAttributes?: pulumi.Input<{ [key: string]: pulumi.Input<string> }>;
    /** Whether the memory reservation may grow beyond its value. Default `true`. */
    memoryExpandable?: pulumi.Input<boolean>;
    /** Memory limit in MB; `-1` for unlimited (default). */
    memoryLimit?: pulumi.Input<number>;
    /** Guaranteed memory in MB. Default `0`. */
    memoryReservation?: pulumi.Input<number>;
    /** `low`, `normal` (default), `high` or `custom`. */
    memoryShareLevel?: pulumi.Input<string>;
    /** Memory shares when `memoryShareLevel` is `custom`. */
    memoryShares?: pulumi.Input<number>;
    /** The name of the resource pool. */
    name?: pulumi.Input<string>;
    /** The managed object ID of the parent resource pool (a cluster's root pool or a pool). */
    parentResourcePoolId: pulumi.Input<string>;
    /** `disabled` or `scaleCpuAndMemoryShares`. */
    scaleDescendantsShares?: pulumi.Input<string>;
    /** The IDs of tags to attach to the pool. */
    tags?: pulumi.Input<pulumi.Input<string>[]>;
}
