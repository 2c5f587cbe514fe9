"""Waits (60 s at most) until database DB of the MongoDB server on 127.0.0.1:PORT holds the 50
events nixos-tests/events.py published, ev-000000 .. ev-000049, each once (tests/nix/contract.bats)."""
import sys
import time

import pymongo

db = pymongo.MongoClient("127.0.0.1", int(sys.argv[1]), directConnection=True)[sys.argv[2]]
want = {f"ev-{i:06d}" for i in range(50)}
deadline = time.time() + 60
while time.time() < deadline:
    ids = [d["_id"] for d in db.events.find({}, {"_id": 1})]
    if len(ids) >= 50:
        break
    time.sleep(0.5)
assert len(ids) == 50 and set(ids) == want, f"{len(ids)} stored, {len(set(ids) & want)} of the 50 ids"
print("50 events stored once (10 of them sent twice)")
