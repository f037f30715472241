#!/usr/bin/env python3
"""Checks one `pprof --json` document: strict JSON (no NaN, no duplicate
keys), keys in the schema's order, valid against docs/cpprof.schema.json
(with the jsonschema module, else a checker of the subset the schema uses),
and consistent with the plain reports of the same run:
  json-check.py SCHEMA DOC [--text TEXT] [--dot DOT]
TEXT is the --text --show_bytes (or objects) report: same rows, same values.
DOT is the --dot graph: same number of nodes and edges.
Exit 0 when everything holds, 1 with one line per problem otherwise."""
import json, re, sys

problems = []

def bad(msg):
    problems.append(msg)

def pairs(kv):
    keys = [k for k, _ in kv]
    if len(set(keys)) != len(keys):
        bad("duplicate keys in %s" % keys)
    return dict(kv)

def reject_constant(name):
    raise ValueError("non-JSON number %s" % name)

def resolve(schema, root):
    while "$ref" in schema:
        schema = root["$defs"][schema["$ref"].split("/")[-1]]
    return schema

TYPES = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}

def is_type(v, t):
    if t == "integer":
        return isinstance(v, int) and not isinstance(v, bool)
    if t == "number":
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    return isinstance(v, TYPES[t])

def mini_validate(v, schema, root, path):
    """The subset of JSON Schema that docs/cpprof.schema.json uses."""
    s = resolve(schema, root)
    if "const" in s and v != s["const"]:
        bad("%s: %r is not %r" % (path, v, s["const"]))
    if "enum" in s and v not in s["enum"]:
        bad("%s: %r not in %r" % (path, v, s["enum"]))
    if "type" in s:
        ts = s["type"] if isinstance(s["type"], list) else [s["type"]]
        if not any(is_type(v, t) for t in ts):
            bad("%s: %r is not of type %s" % (path, v, ts))
            return
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        if "minimum" in s and v < s["minimum"]:
            bad("%s: %r < %r" % (path, v, s["minimum"]))
        if "exclusiveMinimum" in s and v <= s["exclusiveMinimum"]:
            bad("%s: %r <= %r" % (path, v, s["exclusiveMinimum"]))
    if isinstance(v, str) and "pattern" in s and not re.search(s["pattern"], v):
        bad("%s: %r does not match %s" % (path, v, s["pattern"]))
    if isinstance(v, list):
        if len(v) < s.get("minItems", 0):
            bad("%s: fewer than %d items" % (path, s["minItems"]))
        for i, item in enumerate(v):
            if "items" in s:
                mini_validate(item, s["items"], root, "%s[%d]" % (path, i))
    if isinstance(v, dict):
        props = s.get("properties", {})
        for k in s.get("required", []):
            if k not in v:
                bad("%s: missing %s" % (path, k))
        for k, item in v.items():
            if k in props:
                mini_validate(item, props[k], root, path + "." + k)
            elif s.get("additionalProperties") is False:
                bad("%s: unexpected key %s" % (path, k))

def check_order(v, schema, root, path):
    """Keys must come in the order the schema lists them."""
    s = resolve(schema, root)
    if isinstance(v, dict):
        props = list(s.get("properties", {}))
        idx = [props.index(k) for k in v if k in props]
        if idx != sorted(idx):
            bad("%s: keys %s not in schema order" % (path, list(v)))
        for k, item in v.items():
            if k in s.get("properties", {}):
                check_order(item, s["properties"][k], root, path + "." + k)
    elif isinstance(v, list) and "items" in s:
        for i, item in enumerate(v[:50]):
            check_order(item, s["items"], root, "%s[%d]" % (path, i))

def perl_int(x):
    return int(x)  # Perl's %d truncates toward zero

def main():
    args = sys.argv[1:]
    schema = json.load(open(args[0]))
    raw = open(args[1], "rb").read()
    opts = dict(zip(args[2::2], args[3::2]))
    try:
        doc = json.loads(raw.decode("utf-8"), object_pairs_hook=pairs,
                         parse_constant=reject_constant)
    except (ValueError, UnicodeDecodeError) as e:
        print("not strict JSON: %s" % e)
        return 1
    try:
        import jsonschema
        for e in jsonschema.Draft202012Validator(schema).iter_errors(doc):
            bad("schema: %s at %s" % (e.message, "/".join(map(str, e.path))))
    except ImportError:
        mini_validate(doc, schema, schema, "$")
    check_order(doc, schema, schema, "$")
    prof = doc.get("profile", {})
    rows = doc.get("rows")
    if rows is not None:
        running = 0.0
        for r in rows:
            running += r["flat"]
            if prof.get("percent_base") and r["sum_pct"] is not None and \
                    abs(r["sum_pct"] - running * 100 / prof["percent_base"]) > 1e-6:
                bad("row %s: sum_pct %r, want %r" % (r["name"], r["sum_pct"],
                                                     running * 100 / prof["percent_base"]))
    if "--text" in opts:
        lines = open(opts["--text"], "rb").read().split(b"\n")
        table = [l for l in lines if l and not l.startswith(b"Total")]
        if rows is None or len(table) != len(rows):
            bad("%d rows, the text report has %d" % (len(rows or []), len(table)))
        for l, r in zip(table, rows or []):
            f = l.split(None, 5)
            try:  # names with invalid UTF-8 bytes cannot be compared
                if f[5].decode("utf-8") != r["name"]:
                    bad("row name %r, text %r" % (r["name"], f[5]))
            except UnicodeDecodeError:
                pass
            f = [x.decode("latin-1") for x in f]
            if str(perl_int(r["flat"])) != f[0] or str(perl_int(r["cum"])) != f[3]:
                bad("row %s: %r/%r, text %s/%s" % (r["name"], r["flat"], r["cum"], f[0], f[3]))
    stacks = doc.get("stacks")
    if stacks is not None and rows is not None and "--text" in opts:
        total = sum(s["value"] for s in stacks if s["frames"])
        flat = sum(r["flat"] for r in rows)
        if abs(total - flat) > 1e-6 * max(1.0, abs(flat)):
            bad("stacks sum to %r, rows to %r" % (total, flat))
    if stacks is not None:
        for s in stacks:
            fr = s["frames"]
            if fr and fr[-1]["inline"]:
                bad("a stack ends with an inline frame: %r" % fr[-1])
    if "--dot" in opts:
        dot = open(opts["--dot"], encoding="utf-8", errors="replace").read()
        nodes = len(re.findall(r"^N\d+ \[", dot, re.M))
        edges = len(re.findall(r"^N\d+ -> N\d+", dot, re.M))
        g = doc.get("graph", {"nodes": [], "edges": []})
        if len(g["nodes"]) != nodes or len(g["edges"]) != edges:
            bad("graph has %d nodes, %d edges; --dot %d, %d"
                % (len(g["nodes"]), len(g["edges"]), nodes, edges))
        ids = {n["id"] for n in g["nodes"]}
        for e in g["edges"]:
            if e["from"] not in ids or e["to"] not in ids:
                bad("edge %r names a missing node" % e)
    for p in problems[:20]:
        print(p)
    return 1 if problems else 0

if __name__ == "__main__":
    sys.exit(main())
