#!/usr/bin/env bash
# Builds the libFuzzer targets of the three readers of untrusted bytes and runs each for a
# while, one after the other:
#
#   transformer-checkpoint  TransformerModel.load(checkpoint:)  (Sources/TinyLM/Checkpoints/Safetensors.swift)
#   ngram-checkpoint        NGramModel.load(checkpoint:)        (Sources/TinyLM/Checkpoints/NGramCheckpoint.swift)
#   experiment-file         ExperimentFile(json:) + validate()  (Sources/RefusalLab/Experiments/)
#
# Usage: Tests/Fuzz/fuzz.sh [SECONDS] [TARGET...]
#   SECONDS  run time per target (default 600; 0 only builds and seeds the corpora)
#   TARGET   any of the names above (default: all three)
#
# The targets are compiled with swiftc directly from the module sources (SwiftPM ignores
# this folder), with -sanitize=fuzzer,address. RefusalLab embeds its presets with SwiftPM's
# .embedInCode; this script generates the equivalent `PackageResources` file with od.
# The corpus starts from a tiny valid checkpoint of each kind (Seeds/SeedGenerator.swift),
# the presets, the JSON examples of the documentation and the kept regression inputs
# (regressions/TARGET/). Work files go to $FUZZ_WORK (default .build/fuzz): the corpora
# grow there between runs, and every finding (crash-*, oom-*, timeout-*, leak-*) is kept in
# $FUZZ_WORK/findings/TARGET/ (slow-unit-* too, counted apart). libFuzzer runs in fork mode so that a run lasts its whole
# time and keeps every finding instead of stopping at the first. A single allocation above
# FUZZ_MALLOC_LIMIT_MB (default 256) counts as a finding: no input of a few kilobytes has a
# reason to need more, so it means a length or size was trusted before allocating.
#
# Run it niced on a shared machine: `nice -n 10 Tests/Fuzz/fuzz.sh 600`.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
export PATH="/opt/swift/usr/bin:$PATH"
# libFuzzer and ASan print the crash's stack; Swift's own backtracer would add a slow second
# report (and keeps the output open for up to 30 s after a crash).
export SWIFT_BACKTRACE=enable=no

seconds=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(transformer-checkpoint ngram-checkpoint experiment-file)
for target in "${targets[@]}"; do
  case $target in
    transformer-checkpoint | ngram-checkpoint | experiment-file) ;;
    *) echo "error: unknown target '$target'" >&2; exit 2 ;;
  esac
done

work=${FUZZ_WORK:-$root/.build/fuzz}
build=$work/build
mkdir -p "$build"
# gold warns once per ASan helper symbol ("Cannot export local symbol"); harmless, hidden.
swiftc() {
  command swiftc "$@" 2>&1 | { grep -v "Cannot export local symbol" || true; }
  return "${PIPESTATUS[0]}"
}
flags=(-O -sanitize=fuzzer,address -parse-as-library -g -package-name RefusalLab)

if [ -n "${FUZZ_NO_BUILD:-}" ] && [ -x "$build/experiment-file" ]; then
  echo "== reusing the targets in $build (FUZZ_NO_BUILD)"
else
echo "== building (swiftc ${flags[*]})"
tinylm_sources=$(find Sources/TinyLM -name '*.swift' | sort)
# shellcheck disable=SC2086
swiftc "${flags[@]}" -module-name TinyLM -emit-library -static -emit-module \
  -emit-module-path "$build/TinyLM.swiftmodule" -o "$build/libTinyLM.a" $tinylm_sources

link=(-I "$build" -L "$build" -lTinyLM -lm)
swiftc "${flags[@]}" "${link[@]}" Tests/Fuzz/Targets/TransformerCheckpointTarget.swift \
  -o "$build/transformer-checkpoint"
swiftc "${flags[@]}" "${link[@]}" Tests/Fuzz/Targets/NGramCheckpointTarget.swift \
  -o "$build/ngram-checkpoint"

# The equivalent of SwiftPM's generated `PackageResources` for `.embedInCode`.
resources=$build/PackageResources.swift
{
  echo "struct PackageResources {"
  for file in Sources/RefusalLab/Presets/*.json; do
    name=$(basename "$file" | sed 's/[^A-Za-z0-9]/_/g')
    bytes=$(od -An -v -tu1 "$file" | xargs | tr ' ' ',')
    echo "static let $name: [UInt8] = [$bytes]"
  done
  echo "}"
} > "$resources"
refusallab_sources=$(find Sources/RefusalLab -name '*.swift' | sort)
# shellcheck disable=SC2086
swiftc "${flags[@]}" "${link[@]}" -module-name RefusalLab $refusallab_sources "$resources" \
  Tests/Fuzz/Targets/ExperimentFileTarget.swift -o "$build/experiment-file"

# The seed generator needs no fuzzer, but links the same instrumented TinyLM.
swiftc -O -sanitize=address -g -parse-as-library -package-name RefusalLab "${link[@]}" \
  Tests/Fuzz/Seeds/SeedGenerator.swift -o "$build/seed-generator"
fi

echo "== seeding the corpora"
seeds=$work/seeds
rm -rf "$seeds"
mkdir -p "$seeds"/{transformer-checkpoint,ngram-checkpoint,experiment-file}
ASAN_OPTIONS=detect_leaks=0 "$build/seed-generator" "$seeds"
mv "$seeds/tiny.safetensors" "$seeds/transformer-checkpoint/"
mv "$seeds/tiny-ngram.json" "$seeds/ngram-checkpoint/"
# The smallest valid n-gram checkpoint: one token, no counts (few mutations from the edges).
printf '%s' '{"configuration":{"memoryWeight":0,"order":1,"smoothing":1,"vocabularySize":1},' \
  '"format":"refusallab-ngram-1","memory":[],"ngram":[],"vocab":["a"]}' \
  > "$seeds/ngram-checkpoint/smallest.json"
cp Sources/RefusalLab/Presets/*.json "$seeds/experiment-file/"
echo '{}' > "$seeds/experiment-file/empty-object.json"
# Every ```json block of the documentation.
for doc in Docs/RefusalLab.docc/*.md; do
  awk -v out="$seeds/experiment-file/$(basename "$doc" .md)" '
    /^```json/ { n++; inside = 1; next }
    /^```/ { inside = 0; next }
    inside { print > (out "-" n ".json") }' "$doc"
done
# The experiment dictionary: every quoted word of the presets and the format's page.
cat Sources/RefusalLab/Presets/*.json Docs/RefusalLab.docc/ExperimentFiles.md \
  | grep -o '"[A-Za-z0-9+_.-]\+"' | sort -u > "$build/experiment.dict"
cp Tests/Fuzz/safetensors.dict "$build/transformer-checkpoint.dict"
cp Tests/Fuzz/ngram.dict "$build/ngram-checkpoint.dict"
mv "$build/experiment.dict" "$build/experiment-file.dict"

[ "$seconds" -eq 0 ] && { echo "built in $build; corpora seeded in $seeds"; exit 0; }

summary=()
for target in "${targets[@]}"; do
  corpus=$work/corpus/$target
  findings=$work/findings/$target
  log=$work/logs/$target.log
  mkdir -p "$corpus" "$findings" "$(dirname "$log")"
  regressions=()
  [ -d "Tests/Fuzz/regressions/$target" ] && regressions=("Tests/Fuzz/regressions/$target")
  count_findings() { find "$findings" -type f ! -name 'slow-unit-*' | wc -l; }
  count_slow() { find "$findings" -type f -name 'slow-unit-*' | wc -l; }
  before=$(count_findings)
  slow_before=$(count_slow)
  touch "$log.start"
  echo "== fuzzing $target for $seconds s (log: $log)"
  start=$(date +%s)
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} "$build/$target" \
    -fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1 \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -malloc_limit_mb="${FUZZ_MALLOC_LIMIT_MB:-256}" -max_len=65536 \
    -dict="$build/$target.dict" -artifact_prefix="$findings/" \
    "$corpus" "$seeds/$target" "${regressions[@]}" > "$log" 2>&1 || true
  elapsed=$(($(date +%s) - start))
  executions=$(grep -o '^#[0-9]*' "$log" | tail -1 | tr -d '#')
  found=$(($(count_findings) - before))
  slow=$(($(count_slow) - slow_before))
  line="$target: ${executions:-0} executions in $elapsed s, $found new finding(s)"
  # An input over 10 s is kept as slow-unit-*: on a loaded machine usually starvation, so
  # replay it (`$build/$target FILE` prints its time) before calling it a finding.
  [ "$slow" -gt 0 ] && line+=", $slow slow-unit report(s) to replay"
  echo "$line"
  summary+=("$line")
  find "$findings" -type f -newer "$log.start" 2>/dev/null | sed 's/^/  /' || true
done

echo "== summary"
printf '%s\n' "${summary[@]}"
echo "findings are kept in $work/findings/TARGET/"
