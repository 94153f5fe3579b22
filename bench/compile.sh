#!/usr/bin/env bash
# The consolidated report against pandoc, on the same synthetic tasking (release build):
# POSTS posts x 8 sections, about 2,000 words and 20 citations per report, 5 SVG charts per post.
#
#   ours:   HTML  (compile + render, one process)        vs  pandoc Markdown -> standalone HTML
#           PDF   (compile + typst, one process)         vs  pandoc Markdown -> PDF via pdflatex
#
# Each side is one process timed by /usr/bin/time -v (wall seconds, peak RSS). Both read the
# same content: pandoc gets our Markdown (written beforehand, not timed). pandoc's PDF leg gets
# the Markdown without the charts: without rsvg-convert (not installed) LaTeX cannot embed SVG,
# so ours typesets more than pandoc does there.
# Usage: bench/compile.sh [POSTS]   (default 300; try 10 for a quick check)
cd "$(dirname "$0")/.."
set -euo pipefail
POSTS=${1:-300}
for tool in pandoc pdflatex /usr/bin/time; do
  command -v "$tool" > /dev/null || { echo "bench/compile.sh needs $tool (Debian: pandoc, texlive-latex-recommended, time)" >&2; exit 1; }
done
cargo build --release -q -p chancery-pdf --example synth
SYNTH=target/release/examples/synth
WORK=$(mktemp -d /tmp/chancery-compile-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

echo "generating $POSTS posts x 8 sections (through the real workflow)..."
gen_start=$(date +%s.%N)
"$SYNTH" gen "$WORK/synth.db" "$POSTS"
echo "  generated in $(python3 -c "print(f'{$(date +%s.%N) - $gen_start:.1f}')") s"
"$SYNTH" render "$WORK/synth.db" md "$WORK/report.md"
"$SYNTH" render "$WORK/synth.db" md "$WORK/report-nocharts.md" --no-charts
words=$(wc -w < "$WORK/report-nocharts.md")
echo "  Markdown: $(du -h "$WORK/report.md" | cut -f1) with charts, $words words without"

# Runs a command under /usr/bin/time -v; prints "seconds peak_kib".
measure() {
  local log="$WORK/time.log"
  /usr/bin/time -v "$@" > /dev/null 2> "$log" || { cat "$log" >&2; exit 1; }
  python3 - "$log" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
w = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", t)
h, m, s = (float(x) if x else 0.0 for x in w.groups())
rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1)
print(f"{h * 3600 + m * 60 + s:.3f} {rss}")
PY
}

read -r ours_html ours_html_kb < <(measure "$SYNTH" render "$WORK/synth.db" html "$WORK/ours.html")
read -r pandoc_html pandoc_html_kb < <(measure pandoc --standalone --metadata title=Report -f gfm -t html5 -o "$WORK/pandoc.html" "$WORK/report.md")
read -r ours_pdf ours_pdf_kb < <(measure "$SYNTH" render "$WORK/synth.db" pdf "$WORK/ours.pdf")
read -r pandoc_pdf pandoc_pdf_kb < <(measure pandoc --standalone -f gfm -t pdf --pdf-engine=pdflatex -V geometry:margin=2cm -o "$WORK/pandoc.pdf" "$WORK/report-nocharts.md")

pages() { pdfinfo "$1" 2>/dev/null | awk '/^Pages:/ {print $2}'; }
python3 - "$POSTS" "$ours_html" "$ours_html_kb" "$pandoc_html" "$pandoc_html_kb" \
  "$ours_pdf" "$ours_pdf_kb" "$pandoc_pdf" "$pandoc_pdf_kb" \
  "$(stat -c %s "$WORK/ours.html")" "$(stat -c %s "$WORK/ours.pdf")" "$(pages "$WORK/ours.pdf")" "$(pages "$WORK/pandoc.pdf")" <<'PY'
import sys
posts = sys.argv[1]
oh, ohk, ph, phk, op, opk, pp, ppk = map(float, sys.argv[2:10])
html_bytes, pdf_bytes, our_pages, pandoc_pages = sys.argv[10:14]
mib = lambda k: k / 1024
print(f"\n{posts} posts x 8 sections")
print(f"{'':28}{'seconds':>10}{'peak MiB':>10}")
print(f"{'chancery HTML':28}{oh:>10.3f}{mib(ohk):>10.1f}   ({int(html_bytes) / 1e6:.1f} MB)")
print(f"{'pandoc HTML (standalone)':28}{ph:>10.3f}{mib(phk):>10.1f}")
print(f"{'chancery PDF (typst)':28}{op:>10.3f}{mib(opk):>10.1f}   ({int(pdf_bytes) / 1e6:.1f} MB, {our_pages} pages, with charts)")
print(f"{'pandoc PDF (pdflatex)':28}{pp:>10.3f}{mib(ppk):>10.1f}   ({pandoc_pages} pages, without charts)")
rh, rp = ph / oh, pp / op
print(f"\nHTML: chancery is {rh:.1f}x faster than pandoc (target >= 20x: {'met' if rh >= 20 else 'NOT met'})")
print(f"PDF:  chancery is {rp:.1f}x faster than pandoc+pdflatex (target >= 10x: {'met' if rp >= 10 else 'NOT met'})")
PY
