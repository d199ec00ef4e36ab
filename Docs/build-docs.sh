#!/usr/bin/env bash
# Builds the DocC catalog with the toolchain's own docc (no plugin, no package):
# symbol graphs from the compiler, then `docc convert` with warnings as errors.
set -euo pipefail
cd "$(dirname "$0")/.."
graphs=.build/symbol-graphs
rm -rf "$graphs" && mkdir -p "$graphs"
swift build -c release --target RefusalLab \
  -Xswiftc -emit-symbol-graph -Xswiftc -emit-symbol-graph-dir -Xswiftc "$graphs"
# Keep only RefusalLab's own graph (TinyLM is documented through its public symbols too).
docc convert Docs/RefusalLab.docc \
  --additional-symbol-graph-dir "$graphs" \
  --fallback-display-name RefusalLab --fallback-bundle-identifier org.refusallab.RefusalLab \
  --output-path .build/RefusalLab.doccarchive --warnings-as-errors "$@"
echo "Documentation: .build/RefusalLab.doccarchive"
