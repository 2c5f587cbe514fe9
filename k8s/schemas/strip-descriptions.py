#!/usr/bin/env python3
"""strip-descriptions.py OUTDIR FILE... - copies JSON schemas into OUTDIR
without their human-readable "description" strings (most of their size;
validation never reads them). A property that is itself named
"description" holds a schema object, not a string, and is kept."""
import json
import os
import sys


def strip(node):
    if isinstance(node, dict):
        return {k: strip(v) for k, v in node.items()
                if not (k == "description" and isinstance(v, str))}
    if isinstance(node, list):
        return [strip(v) for v in node]
    return node


def main():
    outdir = sys.argv[1]
    for path in sys.argv[2:]:
        with open(path) as f:
            schema = json.load(f)
        with open(os.path.join(outdir, os.path.basename(path)), "w") as f:
            json.dump(strip(schema), f, separators=(",", ":"), sort_keys=True)
            f.write("\n")


if __name__ == "__main__":
    main()
