// vsphere Tag resource, shaped like @pulumi/vsphere 4.17.0's generated `Tag`.
import * as pulumi from "@pulumi/pulumi";
import { types } from "../constants";
import { withResourceDefaults } from "./version";

/** A tag in a tag category; attach it through the `tags` argument of other resources. */
export class Tag extends pulumi.CustomResource {
    /**
     * Get an existing Tag resource's state with the given name, ID, and optional extra
     * properties used to qualify the lookup.
     */
    public static get(
        name: string,
        id: pulumi.Input<pulumi.ID>,
        state?: TagState,
        opts?: pulumi.CustomResourceOptions,
    ): Tag {
        return new Tag(name, state as TagArgs, { ...opts, id: id });
    }

    public static readonly __pulumiType = types.VsphereTag;

    /** True if `obj` is a Tag, across copies of the Pulumi SDK. */
    public static isInstance(obj: unknown): obj is Tag {
        if (obj === undefined || obj === null) {
            return false;
        }
        return (obj as Record<string, unknown>)["__pulumiType"] === Tag.__pulumiType;
    }

    /** The ID of the category the tag belongs to. */
    declare public readonly categoryId: pulumi.Output<string>;
    declare public readonly description: pulumi.Output<string | undefined>;
    declare public readonly name: pulumi.Output<string>;

    /**
     * Create a Tag resource with the given unique name, arguments, and options.
     *
     * @param name The _unique_ name of the resource.
     * @param args The arguments to use to populate this resource's properties.
     * @param opts A bag of options that control this resource's behavior.
     */
    constructor(name: string, args: TagArgs, opts?: pulumi.CustomResourceOptions);
    constructor(
        name: string,
        argsOrState?: TagArgs | TagState,
        opts?: pulumi.CustomResourceOptions,
    ) {
        const resourceInputs: pulumi.Inputs = {};
        opts = opts || {};
        if (opts.id) {
            const state = argsOrState as TagState | undefined;
            resourceInputs["categoryId"] = state?.categoryId;
            resourceInputs["description"] = state?.description;
            resourceInputs["name"] = state?.name;
        } else {
            const args = argsOrState as TagArgs | undefined;
            if (args?.categoryId === undefined && !opts.urn) {
                throw new Error("Missing required property 'categoryId'");
            }
            resourceInputs["categoryId"] = args?.categoryId;
            resourceInputs["description"] = args?.description;
            resourceInputs["name"] = args?.name;
        }
        super(Tag.__pulumiType, name, resourceInputs, withResourceDefaults(opts));
    }
}

/** Input properties used for looking up and filtering Tag resources. */
export interface TagState {
    categoryId?: pulumi.Input<string>;
    description?: pulumi.Input<string>;
    name?: pulumi.Input<string>;
}

/** The set of arguments for constructing a Tag resource. */
export interface TagArgs {
    /** The ID of the category the tag belongs to. Forces a new resource if changed. */
    categoryId: pulumi.Input<string>;
    description?: pulumi.Input<string>;
    /** The name of the tag. */
    name?: pulumi.Input<string>;
}
