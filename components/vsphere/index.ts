// Typed binding over the vsphere provider (resource plugin v4.17.0), named like @pulumi/vsphere so
// `import * as vsphere from "./vsphere"` can later become `import * as vsphere from
// "@pulumi/vsphere"`. Only what the program uses is bound.
export * from "./provider";
export * from "./folder";
export * from "./resourcePool";
export * from "./tagCategory";
export * from "./tag";
export * from "./functions";
