// vsphere TagCategory resource, shaped like @pulumi/vsphere 4.17.0's generated `TagCategory`.
import * as pulumi from "@pulumi/pulumi";
import { types } from "../constants";
import { withResourceDefaults } from "./version";

/** A tag category: which object types its tags apply to and how many per object. */
export class TagCategory extends pulumi.CustomResource {
    /**
     * Get an existing TagCategory resource's state with the given name, ID, and optional extra
     * properties used to qualify the lookup.
     */
    public static get(
        name: string,
        id: pulumi.Input<pulumi.ID>,
        state?: TagCategoryState,
        opts?: pulumi.CustomResourceOptions,
    ): TagCategory {
        return new TagCategory(name, state as TagCategoryArgs, { ...opts, id: id });
    }

    public static readonly __pulumiType = types.VsphereTagCategory;

    /** True if `obj` is a TagCategory, across copies of the Pulumi SDK. */
    public static isInstance(obj: unknown): obj is TagCategory {
        if (obj === undefined || obj === null) {
            return false;
        }
        return (obj as Record<string, unknown>)["__pulumiType"] === TagCategory.__pulumiType;
    }

    /** Object types the category's tags can be assigned to, e.g. "VirtualMachine". */
    declare public readonly associableTypes: pulumi.Output<string[]>;
    /** `SINGLE` or `MULTIPLE` tags of this category per object. */
    declare public readonly cardinality: pulumi.Output<string>;
    declare public readonly description: pulumi.Output<string | undefined>;
    declare public readonly name: pulumi.Output<string>;

    /**
     * Create a TagCategory resource with the given unique name, arguments, and options.
     *
     * @param name The _unique_ name of the resource.
     * @param args The arguments to use to populate this resource's properties.
     * @param opts A bag of options that control this resource's behavior.
     */
    constructor(name: string, args: TagCategoryArgs, opts?: pulumi.CustomResourceOptions);
    constructor(
        name: string,
        argsOrState?: TagCategoryArgs | TagCategoryState,
        opts?: pulumi.CustomResourceOptions,
    ) {
        const resourceInputs: pulumi.Inputs = {};
        opts = opts || {};
        if (opts.id) {
            const state = argsOrState as TagCategoryState | undefined;
            resourceInputs["associableTypes"] = state?.associableTypes;
            resourceInputs["cardinality"] = state?.cardinality;
            resourceInputs["description"] = state?.description;
            resourceInputs["name"] = state?.name;
        } else {
            const args = argsOrState as TagCategoryArgs | undefined;
            if (args?.associableTypes === undefined && !opts.urn) {
                throw new Error("Missing required property 'associableTypes'");
            }
            if (args?.cardinality === undefined && !opts.urn) {
                throw new Error("Missing required property 'cardinality'");
            }
            resourceInputs["associableTypes"] = args?.associableTypes;
            resourceInputs["cardinality"] = args?.cardinality;
            resourceInputs["description"] = args?.description;
            resourceInputs["name"] = args?.name;
        }
        super(TagCategory.__pulumiType, name, resourceInputs, withResourceDefaults(opts));
    }
}

/** Input properties used for looking up and filtering TagCategory resources. */
export interface TagCategoryState {
    associableTypes?: pulumi.Input<pulumi.Input<string>[]>;
    cardinality?: pulumi.Input<string>;
    description?: pulumi.Input<string>;
    name?: pulumi.Input<string>;
}

/** The set of arguments for constructing a TagCategory resource. */
export interface TagCategoryArgs {
    /** Object types the category's tags can be assigned to; types can be added, not removed. */
    associableTypes: pulumi.Input<pulumi.Input<string>[]>;
    /** `SINGLE` or `MULTIPLE`. Forces a new resource if changed. */
    cardinality: pulumi.Input<string>;
    description?: pulumi.Input<string>;
    /** The name of the category. */
    name?: pulumi.Input<string>;
}
