#!/usr/bin/python3
"""bench/lib/plot_cost.py - an SVG chart of CPU µs per event per contender: the
cost table of bench/e2e reports (weir and the batched Python consumer, each
report a run), plus reference figures measured elsewhere (--ref), log scale.

usage: plot_cost.py OUT.svg REPORT... [--ref "LABEL=LOW-HIGH"]...
(REPORT: a bench/results/e2e-*.txt file; a bar spans the lowest to the
highest figure, the tick marks each run.) No plotting library needed."""
import math
import re
import sys

COST_ROW = re.compile(r"^(weir|python)\s+\d+\s+([0-9.]+)\s", re.M)
NAMES = {"weir": "weir (C)", "python": "Python pika + pymongo, insert_many x500"}
COLOURS = {"weir": "#2f6fb0", "python": "#c8b273"}


def measured(reports):
    """{consumer: [CPU µs/event per report]} from the reports' cost tables."""
    runs = {}
    for path in reports:
        text = open(path, encoding="utf-8").read()
        section = text[text.find("cost: each consumer alone"):]
        for who, us in COST_ROW.findall(section):
            runs.setdefault(who, []).append(float(us))
    return [(NAMES[w], runs[w], COLOURS[w]) for w in ("weir", "python") if w in runs]


def references(pairs):
    rows = []
    for pair in pairs:
        label, span = pair.split("=", 1)
        rows.append((label, [float(v) for v in span.split("-")], "#9aa5b1"))
    return rows


def main():
    args, refs = sys.argv[1:], []
    while "--ref" in args:
        i = args.index("--ref")
        refs.append(args[i + 1])
        del args[i:i + 2]
    out, reports = args[0], args[1:]
    rows = measured(reports) + references(refs)
    left, top, row_h, width = 330, 40, 34, 900
    low, high = 1.0, 10 ** math.ceil(math.log10(max(max(v) for _, v, _ in rows)))

    def x(v):
        return left + (width - left - 40) * math.log10(max(v, low) / low) / math.log10(high / low)
    height = top + row_h * len(rows) + 50
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="10" y="20" font-size="14">CPU µs per event, whole process tree '
           f'(bench/e2e cost step, {len(reports)} runs; grey: reference figures), log scale</text>']
    decade = low
    while decade <= high:
        svg.append(f'<line x1="{x(decade):.1f}" y1="{top - 6}" x2="{x(decade):.1f}" '
                   f'y2="{height - 40}" stroke="#ddd"/><text x="{x(decade):.1f}" y="{height - 24}" '
                   f'text-anchor="middle">{decade:g}</text>')
        decade *= 10
    for i, (label, values, colour) in enumerate(rows):
        y = top + i * row_h
        lo, hi = min(values), max(values)
        svg.append(f'<text x="{left - 8}" y="{y + 17}" text-anchor="end">{label}</text>')
        svg.append(f'<rect x="{left}" y="{y + 4}" width="{x(hi) - left:.1f}" height="18" '
                   f'fill="{colour}" opacity="0.35"/>')
        svg.append(f'<rect x="{left}" y="{y + 4}" width="{x(lo) - left:.1f}" height="18" fill="{colour}"/>')
        svg.extend(f'<line x1="{x(v):.1f}" y1="{y + 2}" x2="{x(v):.1f}" y2="{y + 24}" stroke="black"/>'
                   for v in values)
        span = f"{lo:g}" if lo == hi else f"{lo:g}–{hi:g}"
        svg.append(f'<text x="{x(hi) + 6:.1f}" y="{y + 17}">{span}</text>')
    svg.append("</svg>")
    with open(out, "w", encoding="utf-8") as f:
        f.write("\n".join(svg) + "\n")


if __name__ == "__main__":
    main()
