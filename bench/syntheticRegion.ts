// A region config with N clusters, for benchmarks: pinned /26 blocks in a /14 and unique pod
// networks, so any N up to a few thousand plans without collisions.
import { long2ip, ip2long } from "netmask";
import { engineConfig } from "../test/support/regionFixtures";

export function syntheticRegionConfig(n: number): Record<string, string> {
    const base = engineConfig("dev");
    const subnetBase = ip2long("10.64.0.0") >>> 0;
    const clusters = Array.from({ length: n }, (_, i) => ({
        name: `c${String(i).padStart(4, "0")}`,
        kubernetesVersion: "v1.36.1",
        addressBlock: `${long2ip(subnetBase + (i + 1) * 64)}/26`,
        controlPlane: { replicas: 3 },
        workerPools: [
            { name: "general", replicas: 5, maxSurge: 1 },
            { name: "memory", replicas: 2, maxSurge: 1, memoryMiB: 65536 },
        ],
        podCidr: `${long2ip((ip2long("100.64.0.0") >>> 0) + i * 4096)}/20`,
        // 4-byte private ASNs: never the routers' 2-byte ones.
        bgp: { asNumber: 4200000000 + i },
    }));
    const network = JSON.parse(base["cluster-fleet:network"]);
    network.subnet = "10.64.0.0/14";
    network.gateway = "10.64.0.1";
    network.reserved = ["10.64.0.0/26"];
    return {
        ...base,
        "cluster-fleet:network": JSON.stringify(network),
        "cluster-fleet:clusters": JSON.stringify(clusters),
    };
}
