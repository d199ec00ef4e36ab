#!/usr/bin/env bash
# Runs the test suite under AddressSanitizer and ThreadSanitizer and reports each result.
#
# Usage: Tests/sanitizers.sh [address] [thread]   (default: both, address first)
#
# Release builds (`-c release`): the numeric code is hundreds of times slower in debug, and
# more so under a sanitizer. Each sanitizer builds in its own scratch folder
# (.build-asan, .build-tsan) so that the normal .build is untouched. `-g` keeps line numbers
# in the reports. LeakSanitizer runs too, with XCTest's own leftovers suppressed
# (Tests/lsan.supp).
#
# ThreadSanitizer slows the numeric kernels by an order of magnitude or more. The claim tests
# parametrised by seed (transformer, n-gram and defense claims) read
# REFUSALLAB_TEST_SEED_COUNT and, when it is set, run on the first that many seeds of their
# list (Tests/RefusalLabTests/TestSeeds.swift): under TSan the script sets it to 1, so every
# test and code path still runs (threads, scheduler, every stage) and every claim is still
# checked, on one seed instead of several. REFUSALLAB_TSAN_SEED_COUNT overrides the 1.
#
# SANITIZER_FILTER (a `swift test --filter` pattern) runs part of the suite: under TSan the
# parts that run threads first, e.g.
#   SANITIZER_FILTER='TinyLMTests|PipelineTests|ReliabilityTests' Tests/sanitizers.sh thread
# and SANITIZER_SKIP (a `swift test --skip` pattern) the rest of it afterwards, e.g.
#   SANITIZER_SKIP='TinyLMTests|PipelineTests|ReliabilityTests' Tests/sanitizers.sh thread
#
# Run it niced on a shared machine: `nice -n 10 Tests/sanitizers.sh`.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"

sanitizers=("$@")
[ ${#sanitizers[@]} -eq 0 ] && sanitizers=(address thread)
logs=${SANITIZER_LOGS:-.build/sanitizers}
mkdir -p "$logs"

status=0
results=()
for sanitizer in "${sanitizers[@]}"; do
  case $sanitizer in
    address)
      scratch=.build-asan
      environment=("ASAN_OPTIONS=detect_leaks=1" "LSAN_OPTIONS=suppressions=$PWD/Tests/lsan.supp")
      ;;
    thread)
      scratch=.build-tsan
      environment=("REFUSALLAB_TEST_SEED_COUNT=${REFUSALLAB_TSAN_SEED_COUNT:-1}"
        "TSAN_OPTIONS=halt_on_error=0 second_deadlock_stack=1")
      ;;
    *) echo "error: unknown sanitizer '$sanitizer' (address or thread)" >&2; exit 2 ;;
  esac
  log=$logs/$sanitizer.log
  echo "== swift test -c release --sanitize=$sanitizer (log: $log)"
  start=$(date +%s)
  filter=()
  [ -n "${SANITIZER_FILTER:-}" ] && filter=(--filter "$SANITIZER_FILTER")
  [ -n "${SANITIZER_SKIP:-}" ] && filter+=(--skip "$SANITIZER_SKIP")
  env "${environment[@]}" swift test -c release --sanitize="$sanitizer" \
    --scratch-path "$scratch" -Xswiftc -g "${filter[@]}" > "$log" 2>&1
  code=$?
  elapsed=$(($(date +%s) - start))
  reports=$(grep -c "ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|WARNING: ThreadSanitizer" "$log")
  verdict=$(grep -E "^(✔|✘|􀟈|􀢄)? *Test run with [0-9]+ tests?.*(passed|failed)" "$log" | tail -1)
  line="$sanitizer: exit $code in $elapsed s, $reports sanitizer report(s); ${verdict:-no test summary}"
  echo "$line"
  results+=("$line")
  [ "$code" -ne 0 ] || [ "$reports" -ne 0 ] && status=1
done
echo "== summary"
printf '%s\n' "${results[@]}"
exit "$status"
