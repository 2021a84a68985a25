// cluster-fleet: one stack per region. Config is validated before any resource is registered.
import { loadRegion } from "./components/config/load";
import { Region } from "./components/region";

const loaded = loadRegion();
const region = new Region(loaded.config.region, { loaded });

/** Per cluster: API endpoint, VIP, address block, node pool range, Kubernetes version. */
export const clusters = region.summary();
/** The region's IP plan: blocks in use and what is still free. */
export const ipPlan = {
    clusters: loaded.plan.clusters,
    freeBlocks: loaded.plan.freeBlocks,
    freeAddresses: loaded.plan.freeAddresses,
};
