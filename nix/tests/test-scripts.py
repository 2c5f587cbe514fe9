"""nix/tests/test-scripts.py STUB DIR < JSON - checks the VM tests' testScripts ({test: {testScript, nodeNames}}) here.

As the NixOS driver runs them: Python 3 that must compile, whose only globals beyond builtins are the driver's
(STUB, a typed stand-in for the driver's API) and the node names; pyflakes finds undefined names, mypy (as the
driver's own type check does) wrong Machine methods and calls. DIR receives the extracted scripts.
"""

import ast
import json
import os
import py_compile
import re
import sys

from mypy import api as mypy
from pyflakes.checker import Checker

stub, work = sys.argv[1:3]
tests = json.load(sys.stdin)
assert tests, "no VM tests found"

# The stub's public names: the globals the driver gives a test script.
driver = set()
for node in ast.parse(open(stub).read()).body:
    if isinstance(node, ast.ClassDef):
        driver.add(node.name)
    elif isinstance(node, ast.AnnAssign):
        driver.add(node.target.id)
    elif isinstance(node, ast.Import):
        driver.update(a.asname for a in node.names if a.asname == a.name)

failed = False
typed = []
for name, t in sorted(tests.items()):
    # The driver's names for nodes: Python identifiers, and `machine` for a lone one.
    nodes = list(dict.fromkeys([n.replace("-", "_") for n in t["nodeNames"]] + ["machine"] * (len(t["nodeNames"]) == 1)))
    path = os.path.join(work, name.replace("-", "_") + ".py")
    with open(path, "w") as f:
        f.write(t["testScript"])
    try:
        py_compile.compile(path, cfile=path + "c", doraise=True)
    except py_compile.PyCompileError as e:
        print(e.msg)
        failed = True
        continue
    flakes = Checker(ast.parse(t["testScript"]), path, builtins=driver | set(nodes)).messages
    for m in sorted(flakes, key=lambda m: m.lineno):
        print(f"{name}: {m}")
    failed |= bool(flakes)
    # Declarations on line 1 only, so mypy's line numbers are the script's + 1.
    typed.append(path[:-3] + "_typed.py")
    with open(typed[-1], "w") as f:
        f.write("from nixos_test_driver import *; " + "; ".join(f"{n}: Machine" for n in nodes) + "\n" + t["testScript"])

os.environ["MYPYPATH"] = os.path.dirname(os.path.abspath(stub))
out, err, rc = mypy.run(["--no-implicit-optional", "--check-untyped-defs", "--no-error-summary",
                         "--cache-dir", os.devnull, *typed])
print(re.sub(r"_typed\.py:(\d+)", lambda m: f".py:{int(m[1]) - 1}", out + err), end="")
failed |= rc != 0
print(f"{len(tests)} test scripts: " + ("FAILED" if failed else "compile, pyflakes and mypy clean"))
sys.exit(1 if failed else 0)
