#!/usr/bin/python3
# bench/fastapi/app.py - the earlier design's API stack (FastAPI + uvicorn + pymongo) serving /data,
# the reference bench/api compares weir's /v1/events and /v1/events/{id} against. Same queries.
"""GET /data?limit=N: the newest N events (ts, then _id, descending), as JSON.
GET /data/{id}: one event by id, as JSON; 404 when there is none.

Run: MONGODB_URI=... WEIR_MONGODB_DATABASE=... uvicorn app:app (from bench/fastapi).
Debian's python3-fastapi, python3-uvicorn and python3-pymongo.
"""
import os

import pymongo
from fastapi import FastAPI, HTTPException, Query

URI = os.environ["MONGODB_URI"]
# One FerretDB that calls itself a replica set member: talk to it directly.
# A real replica set (several hosts or replicaSet=): let the driver find
# the primary, as weir's mongoc does.
DIRECT = "," not in URI and "replicaSet=" not in URI
client = pymongo.MongoClient(URI, directConnection=DIRECT,
                             serverSelectionTimeoutMS=5000)
events = client[os.environ["WEIR_MONGODB_DATABASE"]]["events"]
app = FastAPI(title="earlier design: /data")


def _json(doc):
    doc["id"] = doc.pop("_id")
    for k in ("ts", "received_at", "processed_at"):
        if k in doc and hasattr(doc[k], "isoformat"):
            doc[k] = doc[k].isoformat(timespec="milliseconds") + "Z"
    return doc


@app.get("/data")
def data(limit: int = Query(100, ge=1, le=1000)):
    try:
        cur = events.find({}, sort=[("ts", -1), ("_id", -1)], limit=limit,
                          max_time_ms=5000)
        items = [_json(d) for d in cur]
    except pymongo.errors.PyMongoError as e:
        raise HTTPException(503, str(e)) from e
    return {"items": items, "count": len(items), "limit": limit}


@app.get("/data/{event_id}")
def one(event_id: str):
    try:
        doc = events.find_one({"_id": event_id}, max_time_ms=5000)
    except pymongo.errors.PyMongoError as e:
        raise HTTPException(503, str(e)) from e
    if doc is None:
        raise HTTPException(404, "no such event")
    return _json(doc)
