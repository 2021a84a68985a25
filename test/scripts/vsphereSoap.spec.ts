import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { inventoryOfStackFile } from "../../scripts/lab/vcsimInventory";
import {
    child,
    escapeXml,
    moRef,
    parseXml,
    path as xpath,
    xsiType,
} from "../../scripts/lab/vsphereSoap";

const REPO = path.resolve(__dirname, "..", "..");

describe("lab vSphere SOAP client (scripts/lab/vsphereSoap)", () => {
    it("parses a vim25 response: prefixes dropped, attributes, entities, CDATA", () => {
        const doc = parseXml(
            `<?xml version="1.0" encoding="UTF-8"?>\n<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">` +
                `<soapenv:Body><RetrievePropertiesResponse xmlns="urn:vim25"><returnval>` +
                `<obj type="VirtualMachine">vm-42</obj><propSet><name>name</name>` +
                `<val xsi:type="xsd:string">a &amp; b &lt;c&gt; &#x41;&#66;</val></propSet>` +
                `<propSet><name>note</name><val><![CDATA[<raw>]]></val></propSet><empty/>` +
                `<propSet><name>ds</name><val xsi:type="ManagedObjectReference" type="HostDatastoreSystem">dss-1</val></propSet>` +
                `</returnval></RetrievePropertiesResponse></soapenv:Body></soapenv:Envelope>`,
        );
        const rv = xpath(doc, "Envelope", "Body", "RetrievePropertiesResponse", "returnval");
        assert.deepEqual(moRef(child(rv, "obj")!), { type: "VirtualMachine", value: "vm-42" });
        const vals = rv!.children.filter((c) => c.name === "propSet").map((p) => child(p, "val")!);
        assert.equal(vals[0].text, "a & b <c> AB");
        assert.equal(xsiType(vals[0]), "xsd:string");
        assert.deepEqual(moRef(child(rv, "obj")!), { type: "VirtualMachine", value: "vm-42" });
        assert.equal(vals[1].text, "<raw>");
        assert.ok(child(rv, "empty"));
        // Both attributes survive: the reference's type is not the XML schema type.
        assert.deepEqual(moRef(vals[2]), { type: "HostDatastoreSystem", value: "dss-1" });
    });

    it("rejects malformed XML instead of guessing", () => {
        assert.throws(() => parseXml("<a><b></a>"), /unexpected <\/a>/);
        assert.throws(() => parseXml("<a><b>"), /<b> not closed/);
    });

    it("escapes what it sends", () => {
        assert.equal(escapeXml(`a<b>&"c'`), "a&lt;b&gt;&amp;&quot;c&apos;");
    });
});

describe("vcsim inventory of a stack file (scripts/lab/vcsimInventory)", () => {
    it("reads the lab stack's vCenter inventory", () => {
        const inv = inventoryOfStackFile(
            fs.readFileSync(path.join(REPO, "Pulumi.lab.yaml"), "utf8"),
        );
        assert.deepEqual(inv, {
            datacenter: "LAB",
            computeCluster: "lab-c1",
            datastore: "lab-ds",
            network: "lab-nodes",
            folder: "fleet",
            resourcePool: "lab-c1/Resources",
            templates: ["ubuntu-2404-kube-v1.34.4"],
        });
    });

    it("names the missing or unusable field", () => {
        const stack = (vs: object) => `config:\n  cluster-fleet:vsphere: ${JSON.stringify(vs)}\n`;
        const base = {
            datacenter: "D",
            computeCluster: "c",
            datastore: "ds",
            network: "n",
            folder: "f",
            resourcePool: "c/Resources",
            templates: { "v1.34.4": "t" },
        };
        assert.throws(() => inventoryOfStackFile("config: {}\n"), /no cluster-fleet:vsphere/);
        assert.throws(
            () => inventoryOfStackFile(stack({ ...base, network: "" })),
            /vsphere.network is missing/,
        );
        assert.throws(
            () => inventoryOfStackFile(stack({ ...base, templates: {} })),
            /templates is empty/,
        );
        assert.throws(
            () => inventoryOfStackFile(stack({ ...base, resourcePool: "other/Resources" })),
            /must lie under "c\/Resources"/,
        );
    });
});
