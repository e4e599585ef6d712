#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A small FleetLock server for the tests, with airlock's semantics and state.

The semaphore lives in etcd (v3, through its JSON gateway) at airlock's key
com.coreos.airlock/groups/<url-escaped group>/v1/semaphore as airlock's
document {"total_slots": N, "holders": [ids]}, so a test can check from
etcd's revision history who held a slot when. As airlock: the header
fleet-lock-protocol: true and a non-empty id and group are required
(400 invalid_client_identity), an unknown group is 400 unknown_group, a full
semaphore 500 failed_lock; locking is recursive and unlocking is
unlock-if-held. One request at a time (HTTPServer is not threaded), so the
read-modify-write of the document needs no transaction.

usage: fleetlock-server.py PORT ETCD_URL|memory GROUP=SLOTS...
With "memory" the document is kept in this process and printed on stdout at
every change (the systemd VM suite, where an etcd would be too heavy).
"""
import base64
import json
import sys
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer

PORT, ETCD = int(sys.argv[1]), sys.argv[2]
GROUPS = {g: int(n) for g, n in (a.split("=") for a in sys.argv[3:])}


def b64(s):
    return base64.b64encode(s.encode()).decode()


def etcd(path, body):
    req = urllib.request.Request(ETCD + path, json.dumps(body).encode(), method="POST")
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)


def key(group):
    return "com.coreos.airlock/groups/%s/v1/semaphore" % urllib.parse.quote_plus(group)


MEMORY = {}


def load(group):
    if ETCD == "memory":
        return MEMORY.get(group, {"total_slots": GROUPS[group], "holders": []})
    kvs = etcd("/v3/kv/range", {"key": b64(key(group))}).get("kvs", [])
    if kvs:
        return json.loads(base64.b64decode(kvs[0]["value"]))
    return {"total_slots": GROUPS[group], "holders": []}


def store(group, sem):
    if ETCD == "memory":
        MEMORY[group] = json.loads(json.dumps(sem))
        print("%s %s" % (group, json.dumps(sem)), flush=True)
        return
    etcd("/v3/kv/put", {"key": b64(key(group)), "value": b64(json.dumps(sem))})


class Handler(BaseHTTPRequestHandler):
    def reply(self, code, kind=None, value=""):
        body = json.dumps({"kind": kind, "value": value}).encode() if kind else b""
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        try:
            params = json.loads(self.rfile.read(length))["client_params"]
            group, ident = params["group"], params["id"]
        except (ValueError, KeyError, TypeError):
            return self.reply(400, "invalid_client_identity", "malformed body")
        if self.headers.get("fleet-lock-protocol") != "true" or not group or not ident:
            return self.reply(400, "invalid_client_identity", "missing header, id or group")
        if group not in GROUPS:
            return self.reply(400, "unknown_group", group)
        sem = load(group)
        if self.path == "/v1/pre-reboot":
            if ident not in sem["holders"]:
                if len(sem["holders"]) >= sem["total_slots"]:
                    return self.reply(500, "failed_lock", "semaphore is full")
                sem["holders"].append(ident)
                store(group, sem)
            return self.reply(200)
        if self.path == "/v1/steady-state":
            if ident in sem["holders"]:
                sem["holders"].remove(ident)
                store(group, sem)
            return self.reply(200)
        return self.reply(404, "not_found", self.path)

    def log_message(self, fmt, *args):
        sys.stderr.write("fleetlock: %s\n" % (fmt % args))


server = HTTPServer(("127.0.0.1", PORT), Handler)
print("ready", flush=True)
server.serve_forever()
