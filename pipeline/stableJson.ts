// Summary files are diffed and archived by CI, so equal content must give equal bytes:
// sorted keys (components/stableJson), two-space indent, trailing newline.
import { stableStringify as sorted } from "../components/stableJson";

export function stableStringify(value: unknown): string {
    return sorted(value, 2) + "\n";
}
