#!/usr/bin/env bash
# Builds the DocC catalog with the toolchain's own docc (no plugin, no package):
# symbol graphs from the compiler, then `docc convert` with warnings as errors.
set -euo pipefail
cd "$(dirname "$0")/.."
# A scratch folder of its own, so the extra compiler flags never invalidate the main build;
# a debug build is enough for symbol graphs and compiles fastest.
scratch=.build-docs
graphs="$scratch/symbol-graphs"
# The compiler writes the graphs only when it compiles a module, so they are kept between
# runs (an up-to-date build leaves the previous, still current, graphs in place); without
# them the scratch folder starts afresh so that everything is compiled once.
if [ ! -f "$graphs/RefusalLab.symbols.json" ] || [ ! -f "$graphs/TinyLM.symbols.json" ]; then
  rm -rf "$scratch"
fi
mkdir -p "$graphs"
swift build --scratch-path "$scratch" --target RefusalLab \
  -Xswiftc -emit-symbol-graph -Xswiftc -emit-symbol-graph-dir -Xswiftc "$graphs"
docc convert Docs/RefusalLab.docc \
  --additional-symbol-graph-dir "$graphs" \
  --fallback-display-name RefusalLab --fallback-bundle-identifier org.refusallab.RefusalLab \
  --output-path "$scratch/RefusalLab.doccarchive" --warnings-as-errors "$@"
echo "Documentation: $scratch/RefusalLab.doccarchive"
