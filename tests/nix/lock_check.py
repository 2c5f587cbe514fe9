"""Checks flake.lock (tests/nix/lint.bats): version 7, one root input nixpkgs, and a nixpkgs node
that locks the github:OWNER/REPO/REF of flake.nix's inputs.nixpkgs.url (argv[1]) to a full rev."""
import json
import re
import sys

url = sys.argv[1]
lock = json.load(open("flake.lock"))
assert lock["version"] == 7, "lock version"
assert lock["root"] == "root" and lock["nodes"]["root"]["inputs"] == {"nixpkgs": "nixpkgs"}, "root node"
node = lock["nodes"]["nixpkgs"]
locked, orig = node["locked"], node["original"]
m = re.fullmatch(r"github:([^/]+)/([^/?]+)/([^?]+)", url)
assert m, f"input url {url} is not github:OWNER/REPO/REF"
want = {"type": "github", "owner": m[1], "repo": m[2], "ref": m[3]}
assert orig == want, f"original {orig} != input {want}"
assert locked["type"] == "github" and locked["owner"] == m[1] and locked["repo"] == m[2], locked
assert re.fullmatch(r"[0-9a-f]{40}", locked["rev"]), "rev"
assert re.fullmatch(r"sha256-[A-Za-z0-9+/]{43}=", locked["narHash"]), "narHash"
assert isinstance(locked["lastModified"], int) and locked["lastModified"] > 1.7e9, "lastModified"
print(f"nixpkgs {m[3]} at {locked['rev']}")
