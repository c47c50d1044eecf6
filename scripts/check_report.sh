#!/usr/bin/env bash
# Checks that a mica run report renders: opens report.html in headless Chromium, saves a PNG
# screenshot of the page and fails when the screenshot is blank (almost all one color).
#
#   scripts/check_report.sh runs/<name>/report.html [screenshot.png] [width] [height]
#
# The screenshot defaults to <report>.png next to the report, at 1280x2400 pixels; look at it
# to see what a reader sees. Reports are written by mica::data::write_report (data/run.h) and
# name this script in their header comment.
# Needs the Debian package chromium (installed here when missing, if run as root) and, for the
# pixel check, a C compiler and libpng-dev (both in scripts/install_deps.sh). Chromium is too
# heavy for CI, so CTest does not run this; the report's content is tested in
# tests/data/run_test.cpp.
set -euo pipefail

if [[ $# -lt 1 || ! -f "$1" ]]; then
  echo "usage: $0 path/to/report.html [screenshot.png] [width] [height]" >&2
  exit 2
fi
report=$(realpath "$1")
shot=${2:-${report%.html}.png}
width=${3:-1280}
height=${4:-2400}

browser=""
for b in chromium chromium-browser google-chrome; do
  if command -v "$b" >/dev/null 2>&1; then browser=$b && break; fi
done
if [[ -z "$browser" ]]; then
  if [[ $(id -u) -eq 0 ]]; then
    echo "check_report: installing chromium (Debian package)"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
    browser=chromium
  else
    echo "check_report: chromium not found; install it with: sudo apt-get install chromium" >&2
    exit 2
  fi
fi

rm -f "$shot"
# --no-sandbox: Chromium refuses to run as root otherwise (containers, CI).
log=$(mktemp)
if ! timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
  --force-device-scale-factor=1 --virtual-time-budget=5000 \
  --window-size="$width,$height" --screenshot="$shot" "file://$report" >"$log" 2>&1 ||
  [[ ! -s "$shot" ]]; then
  cat "$log" >&2
  echo "check_report: FAIL: chromium did not produce a screenshot" >&2
  rm -f "$log"
  exit 1
fi
rm -f "$log"

# Pixel check: a small libpng program (compiled on the fly) measures how much of the
# screenshot differs from its most common color and how many distinct colors it holds.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/blank.c" <<'EOF'
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char** argv) {
  png_image img;
  memset(&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  if (argc < 2 || !png_image_begin_read_from_file(&img, argv[1])) {
    fprintf(stderr, "cannot read %s: %s\n", argc < 2 ? "?" : argv[1], img.message);
    return 2;
  }
  img.format = PNG_FORMAT_RGB;
  unsigned char* px = malloc(PNG_IMAGE_SIZE(img));
  if (!px || !png_image_finish_read(&img, NULL, px, 0, NULL)) {
    fprintf(stderr, "cannot decode %s: %s\n", argv[1], img.message);
    return 2;
  }
  /* Colors quantized to 4 bits per channel: 4096 buckets. */
  static unsigned long hist[4096];
  const unsigned long n = (unsigned long)img.width * img.height;
  for (unsigned long i = 0; i < n; ++i) {
    const unsigned char* p = px + 3 * i;
    hist[(p[0] >> 4) << 8 | (p[1] >> 4) << 4 | (p[2] >> 4)]++;
  }
  unsigned long top = 0, colors = 0;
  for (int b = 0; b < 4096; ++b) {
    if (hist[b] > top) top = hist[b];
    colors += hist[b] > 0;
  }
  const double ink = 1.0 - (double)top / (double)n;
  printf("%ux%u pixels, %.1f%% differ from the main background color, %lu distinct colors\n",
         img.width, img.height, 100.0 * ink, colors);
  free(px);
  return ink >= 0.02 && colors >= 16 ? 0 : 1;
}
EOF
cc -O2 -o "$work/blank" "$work/blank.c" -lpng
if stats=$("$work/blank" "$shot"); then
  echo "check_report: OK: $shot: $stats"
else
  echo "check_report: FAIL: the page looks blank: $shot: $stats" >&2
  exit 1
fi
