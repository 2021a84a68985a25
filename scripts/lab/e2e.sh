#!/usr/bin/env bash
# Every end-to-end flow of the lab, one after the other (npm run test:e2e; README "Real-engine lab"):
#   e2e-lab.sh      the program through the pipeline driver, with the scripted fake Argo CD
#                   (test/e2e/lab.e2e.ts; alone: npm run test:e2e:lab)
#   argocd-e2e.sh   a real Argo CD syncs cluster-config into a workload cluster on its VIP
#                   (test/e2e/argocd.e2e.ts; alone: npm run test:e2e:argocd)
#   e2e-capi.sh     the real CAPI, CAPV and IPAM controllers reconcile the lab stack against vcsim
#                   (test/e2e/capi.e2e.ts; alone: npm run test:e2e:capi)
# Each flow builds nothing, starts its own private clusters and wipes them again. Every flow runs,
# even after one failed; the summary gives each flow's result, wall time and load, and the exit
# status is 1 if any flow failed (130 on Ctrl-C, which stops at once).
#
# A flow whose pieces are missing FAILS, or with LAB_E2E_SKIP_IF_MISSING=1 (.ci/run) is SKIPPED: it
# exits LAB_E2E_SKIP_EXIT, which is 77 here (lab_e2e_require in lib.sh), and the summary says
# SKIPPED, never passed. A flow that exits 0 after printing "<flow>: SKIPPED" counts as skipped too.
# Flows that bind the lab VIP (127.77.0.64:6443) need the shared lock while other people run
# theirs: flock /work/wt/lab-vip.lock npm run test:e2e.
#
# Env: LAB_HOME, LAB_E2E_KEEP=1 (each flow leaves its clusters running), LAB_E2E_SKIP_IF_MISSING=1.
set -euo pipefail
# shellcheck source=scripts/lab/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

FLOWS=(e2e-lab.sh argocd-e2e.sh e2e-capi.sh)
export LAB_E2E_SKIP_EXIT=77

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
results=()
failed=0
passed=0
skipped=0
t_all=$(date +%s)
for flow in "${FLOWS[@]}"; do
  t0=$(date +%s)
  set +e
  "$LAB_SCRIPTS_DIR/$flow" 2>&1 | tee "$out/$flow.log"
  rc=${PIPESTATUS[0]}
  set -e
  [[ $rc == 130 ]] && exit 130
  if [[ $rc == 0 ]] && grep -q "^[^ ]*: SKIPPED" "$out/$flow.log"; then
    rc=$LAB_E2E_SKIP_EXIT
  fi
  case $rc in
    0) result=passed passed=$((passed + 1)) ;;
    "$LAB_E2E_SKIP_EXIT") result="SKIPPED (nothing tested)" skipped=$((skipped + 1)) ;;
    *) result="FAILED (exit $rc)" failed=$((failed + 1)) ;;
  esac
  results+=("$(printf '  %-16s %-26s %5ds  load %s' "$flow" "$result" $(($(date +%s) - t0)) \
    "$(cut -d' ' -f1-3 /proc/loadavg)")")
done

echo
echo "e2e: $passed passed, $failed failed, $skipped SKIPPED of ${#FLOWS[@]} flows in $(($(date +%s) - t_all))s:"
printf '%s\n' "${results[@]}"
if ((skipped > 0)); then
  echo "e2e: SKIPPED flows tested nothing (LAB_E2E_SKIP_IF_MISSING=1 and the lab is not built)."
fi
((failed == 0))
