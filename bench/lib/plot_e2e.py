#!/usr/bin/python3
"""bench/lib/plot_e2e.py - an SVG bar chart of bench/e2e reports: sink, the
sink with window upkeep, and e2e, per report. No plotting library needed.

usage: plot_e2e.py OUT.svg LABEL=REPORT...   (REPORT: a bench/results file)"""
import re
import sys

BARS = (("sink", "sink (FerretDB alone)", "#9aa5b1"),
        ("upkeep", "sink + weir's window upkeep", "#c8b273"),
        ("e2e", "weir end to end", "#2f6fb0"))


def read(path):
    text = open(path, encoding="utf-8").read()
    row = {}
    for key, pattern in (("sink", r"^sink\s+(\d+)"),
                         ("upkeep", r"^\+(?:marks|deltas)\s+(\d+)"),
                         ("e2e", r"^e2e\s+(\d+)")):
        m = re.search(pattern, text, re.M)
        row[key] = int(m.group(1)) if m else 0
    m = re.search(r"ratio=([0-9.]+)", text)
    row["ratio"] = m.group(1) if m else "?"
    return row


def main():
    out, pairs = sys.argv[1], [a.split("=", 1) for a in sys.argv[2:]]
    rows = [(label, read(path)) for label, path in pairs]
    top = max(max(r[k] for k, _, _ in BARS) for _, r in rows) * 1.1
    h, left, base, group = 330, 60, 250, 220
    w = max(760, left + 40 + len(rows) * group)
    bar = 50
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{w}" height="{h}" fill="white"/>',
           f'<text x="{left}" y="18" font-size="14">events/s, bench/e2e, '
           f'N = 200 000, 2 vCPU</text>']
    for tick in range(0, int(top) + 1, 2000):
        y = base - tick / top * (base - 40)
        svg.append(f'<line x1="{left}" x2="{w - 20}" y1="{y:.0f}" y2="{y:.0f}" '
                   f'stroke="#e5e5e5"/><text x="{left - 6}" y="{y + 4:.0f}" '
                   f'text-anchor="end">{tick}</text>')
    for g, (label, r) in enumerate(rows):
        x0 = left + 20 + g * group
        for b, (key, _, color) in enumerate(BARS):
            v = r[key]
            y = base - v / top * (base - 40)
            x = x0 + b * (bar + 6)
            svg.append(f'<rect x="{x}" y="{y:.0f}" width="{bar}" '
                       f'height="{base - y:.0f}" fill="{color}"/>'
                       f'<text x="{x + bar / 2}" y="{y - 4:.0f}" '
                       f'text-anchor="middle">{v}</text>')
        svg.append(f'<text x="{x0 + 78}" y="{base + 18}" text-anchor="middle">'
                   f'{label}</text><text x="{x0 + 78}" y="{base + 34}" '
                   f'text-anchor="middle">ratio {r["ratio"]}</text>')
    for b, (_, name, color) in enumerate(BARS):
        x = left + b * 220
        svg.append(f'<rect x="{x}" y="{h - 22}" width="12" height="12" '
                   f'fill="{color}"/><text x="{x + 18}" y="{h - 12}">{name}</text>')
    svg.append("</svg>")
    with open(out, "w", encoding="utf-8") as f:
        f.write("\n".join(svg) + "\n")


if __name__ == "__main__":
    main()
