#!/usr/bin/env python3
"""A kin client in Python: drives `kin exec` through a pipe, one JSON request line
in and one response line out. Usage: python3 shop.py [path/to/kin]"""
import json, os, subprocess, sys, tempfile

class Kin:
    def __init__(self, kin, db, schema):
        self.p = subprocess.Popen([kin, "exec", "--db", db, "--schema", schema, "-"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def call(self, method, *args):
        self.p.stdin.write(json.dumps({"call": method, "args": list(args)}) + "\n")
        self.p.stdin.flush()  # kin answers each line before it reads the next
        response = json.loads(self.p.stdout.readline())
        if not response["ok"]:
            raise RuntimeError("{type}: {message}".format(**response["error"]))
        return response["result"]

    def close(self):  # exit status 0 when every request succeeded, 1 when any failed
        self.p.stdin.close()
        return self.p.wait()

with tempfile.TemporaryDirectory() as tmp:
    schema = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "shop.json")
    kin = Kin(sys.argv[1] if len(sys.argv) > 1 else "kin", os.path.join(tmp, "shop"), schema)
    store = kin.call("createStores", {"name": "Main Street"})
    kin.call("createProducts", [{"title": "Shirt", "price": 25, "store_id": store["id"]},
                                {"title": "Mug", "price": 8, "store_id": store["id"]}])
    found = kin.call("retrieveStore", store["id"], {"relations": ["products"]})
    print(found["name"], "sells", ", ".join(p["title"] for p in found["products"]))
    cheap = kin.call("listProducts", {"price": {"$lt": 10}}, {"select": ["title"]})
    print("under 10:", [p["title"] for p in cheap])
    try:
        kin.call("retrieveProduct", "prod_nope")
    except RuntimeError as e:
        print("error:", e)
    print("kin exec exited with", kin.close())
