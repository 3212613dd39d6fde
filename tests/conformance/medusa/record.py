#!/usr/bin/env python3
"""Re-records Medusa's answers for the scenarios in this folder.

Usage: record.py ORACLE_DIR [FILE.json ...]

ORACLE_DIR is a Medusa oracle: a folder with medusa-run.js (runs scenarios against
Medusa's MedusaService on PostgreSQL) and its node_modules installed. Each scenario
file here is read, its steps are run on Medusa, and each step's "medusa" answer is
replaced by the new one, normalized: timestamps become "<ts>", generated ids
"<ulid:prefix_>", an error keeps only its type and message (with timestamps in
the message as "<ts>"). A step's "kin" and
"why" (where kin differs on purpose) are kept as they are. With no FILE, every
*.json file in this folder is recorded."""
import glob, json, os, re, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ULID = re.compile(r"^([a-z]+_)?[0-9A-HJKMNP-TV-Z]{26}$")
TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def norm(v, key=None):
    if isinstance(v, dict):
        return {k: norm(x, k) for k, x in v.items()}
    if isinstance(v, list):
        return [norm(x) for x in v]
    if isinstance(v, str):
        if key in ("created_at", "updated_at", "deleted_at") and TS.match(v):
            return "<ts>"
        m = ULID.match(v)
        if m:
            return f"<ulid:{m.group(1) or ''}>"
    return v


TS_IN_TEXT = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d(:?\d\d)?)")


def answer(response):
    if response.get("ok"):
        return {"ok": True, "result": norm(response.get("result"))}
    err = response.get("error") or {}
    # MikroORM dumps the entity, and PostgreSQL the row, timestamps included, into
    # some messages.
    message = TS_IN_TEXT.sub("<ts>", str(norm(err.get("message"))))
    return {"ok": False, "error": {"type": err.get("type"), "message": message}}


KNOWN = ("call", "args", "medusa", "why", "kin")


def write(path, doc):
    # One step per line (call and args), its answers on the lines after it.
    out = ["{", f' "recorded_with": {json.dumps(doc["recorded_with"])},', ' "scenarios": [']
    for i, sc in enumerate(doc["scenarios"]):
        out.append(f'  {{"name": {json.dumps(sc["name"])}, "fixture": {json.dumps(sc["fixture"])}, "steps": [')
        steps = []
        for st in sc["steps"]:
            lines = [f'   {{"call": {json.dumps(st["call"])}, "args": {json.dumps(st["args"])},']
            for k in [k for k in ("medusa", "why", "kin") if k in st] + [k for k in st if k not in KNOWN]:
                lines.append(f'    {json.dumps(k)}: {json.dumps(st[k])},')
            lines[-1] = lines[-1][:-1] + "}"
            steps.append("\n".join(lines))
        out.append(",\n".join(steps))
        out.append("  ]}" + ("," if i + 1 < len(doc["scenarios"]) else ""))
    out += [" ]", "}", ""]
    with open(path, "w") as f:
        f.write("\n".join(out))


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    oracle = os.path.abspath(sys.argv[1])
    files = [f if os.path.exists(f) else os.path.join(HERE, f) for f in sys.argv[2:]]
    files = files or sorted(glob.glob(os.path.join(HERE, "*.json")))
    with open(os.path.join(oracle, "node_modules", "@medusajs", "framework", "package.json")) as f:
        version = json.load(f)["version"]
    for path in files:
        with open(path) as f:
            doc = json.load(f)
        runnable = [{"name": s["name"], "fixture": s["fixture"],
                     "steps": [{"call": st["call"], "args": st["args"]} for st in s["steps"]]}
                    for s in doc["scenarios"]]
        with tempfile.TemporaryDirectory(prefix="kin-record-") as tmp:
            scen, out = os.path.join(tmp, "scenarios.json"), os.path.join(tmp, "out.json")
            with open(scen, "w") as f:
                json.dump(runnable, f)
            subprocess.run(["node", os.path.join(oracle, "medusa-run.js"), scen, out], cwd=oracle, check=True)
            with open(out) as f:
                results = {r["name"]: r["responses"] for r in json.load(f)}
        for sc in doc["scenarios"]:
            for st, response in zip(sc["steps"], results[sc["name"]]):
                st["medusa"] = answer(response)
        doc["recorded_with"] = f"@medusajs/framework {version}, MedusaService over MikroORM on PostgreSQL"
        write(path, doc)
        print(f"recorded {len(doc['scenarios'])} scenarios -> {os.path.relpath(path)}")


main()
