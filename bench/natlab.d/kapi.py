#!/usr/bin/env python3
"""kapi.py HOME METHOD PATH [JSON]: one request to the running node of HOME over its local API (spec/API.md 1).

The lab polls with this instead of starting a JVM per `kith` command. Prints the answer's body; exits 1 with the
status on stderr when it is not 2xx, 2 when no node runs in HOME.
"""
import http.client
import json
import sys


def main():
    if len(sys.argv) not in (4, 5):
        print("usage: kapi.py HOME METHOD PATH [JSON]", file=sys.stderr)
        return 2
    home, method, path = sys.argv[1:4]
    body = sys.argv[4] if len(sys.argv) == 5 else None
    try:
        with open(home + "/node.json") as f:
            port = json.load(f)["apiPort"]
        with open(home + "/api.token") as f:
            token = f.read().strip()
    except (OSError, ValueError, KeyError) as e:
        print("kapi: no node running in %s (%s)" % (home, e), file=sys.stderr)
        return 2
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Authorization": "Bearer " + token, "Host": "127.0.0.1:%d" % port}
    if body is not None:
        headers["Content-Type"] = "application/json"
    try:
        c.request(method, path, body=body.encode() if body is not None else None, headers=headers)
        r = c.getresponse()
        data = r.read().decode()
    except OSError as e:
        print("kapi: %s %s failed: %s" % (method, path, e), file=sys.stderr)
        return 1
    sys.stdout.write(data)
    if not 200 <= r.status < 300:
        print("kapi: %s %s answered %d" % (method, path, r.status), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
