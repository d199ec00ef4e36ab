#!/usr/bin/env bash
# Renders a report folder written by ReportWriter and checks that every picture shows
# something: DIR/index.html with headless Chromium to DIR/png/index.png (the full page, in a
# tall window), and each DIR/*.svg with rsvg-convert to DIR/png/NAME.png. Fails (non-zero,
# naming the file) when a render fails or an image is blank (a single colour). The PNGs are
# kept for a person to look at.
#
#   Docs/render-report.sh DIR [--readme]
#
# With --readme, the rendered headline figure and the first tree figure (the transformer's
# rigid variant when present) are copied to Docs/images/ for the README.
#
# Missing tools are installed from Debian's packages (run as root, as CI does):
# chromium-headless-shell (or chromium), librsvg2-bin (rsvg-convert), netpbm (pngtopnm,
# ppmhist: the colour count) and fonts-dejavu-core (the font the figures ask for).
# A sample report: REFUSALLAB_SAMPLE_REPORT_DIR=DIR swift test -c release --filter sampleReport
set -euo pipefail

readme=0
if [ $# -eq 2 ] && [ "$2" = "--readme" ]; then readme=1; set -- "$1"; fi
if [ $# -ne 1 ]; then
  echo "usage: $0 DIR [--readme]   (a folder holding index.html and NAME.svg files)" >&2
  exit 2
fi
dir=$(cd "$1" 2>/dev/null && pwd) || { echo "render-report: no folder $1" >&2; exit 2; }
[ -f "$dir/index.html" ] || { echo "render-report: $dir/index.html is missing" >&2; exit 2; }

# --- tools -------------------------------------------------------------------------------
chrome=""
find_chrome() {
  for candidate in chromium-headless-shell chromium; do
    if command -v "$candidate" > /dev/null 2>&1; then chrome=$(command -v "$candidate"); return 0; fi
  done
  # Debian installs the headless shell outside PATH on some releases.
  for candidate in /usr/lib/chromium/chromium-headless-shell /usr/lib/chromium/headless_shell; do
    if [ -x "$candidate" ]; then chrome=$candidate; return 0; fi
  done
  return 1
}
need=()
find_chrome || need+=(chrome)
command -v rsvg-convert > /dev/null 2>&1 || need+=(librsvg2-bin)
{ command -v pngtopnm > /dev/null 2>&1 && command -v ppmhist > /dev/null 2>&1; } || need+=(netpbm)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  packages=()
  apt-get update -qq
  for item in "${need[@]}"; do
    if [ "$item" = chrome ]; then
      # The headless shell is the smaller package; older releases only have chromium.
      if apt-cache show chromium-headless-shell > /dev/null 2>&1; then
        packages+=(chromium-headless-shell)
      else
        packages+=(chromium)
      fi
    else
      packages+=("$item")
    fi
  done
  echo "render-report: installing ${packages[*]}" >&2
  apt-get install -y -qq --no-install-recommends "${packages[@]}" > /dev/null
  find_chrome || { echo "render-report: no Chromium after installing ${packages[*]}" >&2; exit 1; }
fi

# --- checks ------------------------------------------------------------------------------
failures=0
fail() { echo "render-report: FAIL $1" >&2; failures=$((failures + 1)); }

# Non-blank: a readable PNG with at least two colours.
check_png() {
  local png=$1 source=$2 colors
  if [ ! -s "$png" ]; then fail "$source: no image was written ($png)"; return; fi
  if ! colors=$(pngtopnm "$png" 2> /dev/null | ppmhist -noheader 2> /dev/null | wc -l); then
    fail "$source: $png is not a readable PNG"; return
  fi
  if [ "$colors" -le 1 ]; then fail "$source: $png is blank (one colour)"; return; fi
  echo "render-report: ok $png ($colors colours)"
}

mkdir -p "$dir/png"

# The page: a window as wide as a projector's and tall enough for every figure (about 760
# pixels each, plus the text); the white below the page is cropped. When nothing is left to
# crop the page may go on below the window, so it is taken again in a window twice as tall.
png_height() { pngtopnm "$1" | pnmfile | sed -E 's/.* by ([0-9]+).*/\1/'; }
figures=$({ grep -o '<figure' "$dir/index.html" || true; } | wc -l)
height=$((1600 + figures * 760))
rm -f "$dir/png/index.png"
shot="$dir/png/.index-window.png"
for attempt in 1 2 3; do
  rm -f "$shot"
  if ! timeout 120 "$chrome" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --allow-file-access-from-files --force-device-scale-factor=1 \
    --window-size="1280,$height" --screenshot="$shot" \
    "file://$dir/index.html" > "$dir/png/chromium.log" 2>&1 || [ ! -s "$shot" ]; then
    fail "$dir/index.html: Chromium could not render it (see $dir/png/chromium.log)"
    break
  fi
  if ! pngtopnm "$shot" 2> /dev/null | pnmcrop -white -bottom 2> /dev/null \
    | pnmtopng > "$dir/png/index.png" 2> /dev/null || [ ! -s "$dir/png/index.png" ]; then
    # Nothing but white to crop (a blank page): keep the window as it is, for the check.
    cp "$shot" "$dir/png/index.png"
    break
  fi
  if [ "$(png_height "$dir/png/index.png")" -lt $((height - 16)) ] || [ "$attempt" -eq 3 ]; then
    break
  fi
  height=$((height * 2))
done
rm -f "$shot"
check_png "$dir/png/index.png" "$dir/index.html"

shopt -s nullglob
svgs=("$dir"/*.svg)
for svg in "${svgs[@]}"; do
  name=$(basename "$svg" .svg)
  rm -f "$dir/png/$name.png"
  if ! rsvg-convert --format=png --background-color=white --output="$dir/png/$name.png" "$svg" \
    2> "$dir/png/$name.log"; then
    fail "$svg: rsvg-convert could not render it: $(head -c 300 "$dir/png/$name.log")"
    continue
  fi
  rm -f "$dir/png/$name.log"
  check_png "$dir/png/$name.png" "$svg"
done

if [ "$failures" -gt 0 ]; then
  echo "render-report: $failures of $((${#svgs[@]} + 1)) pictures failed" >&2
  exit 1
fi
echo "render-report: all $((${#svgs[@]} + 1)) pictures rendered and not blank ($dir/png)"

if [ "$readme" -eq 1 ]; then
  images="$(cd "$(dirname "$0")" && pwd)/images"
  mkdir -p "$images"
  tree=""
  for candidate in tree-transformer-rigid tree-ngram-rigid; do
    if [ -f "$dir/png/$candidate.png" ]; then tree=$candidate; break; fi
  done
  [ -f "$dir/png/headline.png" ] && [ -n "$tree" ] \
    || { echo "render-report: --readme needs headline.png and a rigid tree" >&2; exit 1; }
  cp "$dir/png/headline.png" "$images/headline.png"
  cp "$dir/png/$tree.png" "$images/tree.png"
  echo "render-report: copied headline.png and $tree.png (as tree.png) to $images"
fi
