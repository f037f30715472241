#!/usr/bin/env python3
"""layers.py OBJDIR RECORDER_H - the collector's files call only into their own layer and
the layers below it, as the table in collector/recorder.h says, with no cycle between files.
Who calls whom is read from the built objects (nm: each file's undefined hpc_* symbols and
the file that defines them), so nothing the compiler sees is missed. Prints the calls that
break a rule and exits 1; "ok: ..." and 0 otherwise."""
import collections
import glob
import os
import re
import subprocess
import sys

objdir, header = sys.argv[1:3]
level, cur, on = {}, None, False
for line in open(header):
    if "files in layers" in line:
        on = True
        continue
    if on and "Everything is declared" in line:
        break
    if on:
        m = re.match(r"\s*\*\s+(\d)\s", line)
        if m:
            cur = int(m.group(1))
        for f in re.findall(r"\b(\w+)\.c\b", line):
            level[f] = cur

defs, refs = {}, collections.defaultdict(set)
for o in sorted(glob.glob(os.path.join(objdir, "*.o"))):
    f = os.path.basename(o).split(".")[0]
    for l in subprocess.run(["nm", o], capture_output=True, text=True, check=True).stdout.splitlines():
        p = l.split()
        if len(p) == 3 and p[1] in "TDBRVWC":
            defs[p[2]] = f
        elif len(p) == 2 and p[0] == "U":
            refs[f].add(p[1])
files = sorted(set(defs.values()) | set(refs))
bad = 0
for f in files:
    if f not in level:
        print("not ok: %s.c is in no layer of %s" % (f, header))
        bad += 1
edges = collections.defaultdict(dict)
for f, rs in refs.items():
    for s in sorted(rs):
        g = defs.get(s)
        if g and g != f and s.startswith("hpc_"):
            edges[f].setdefault(g, []).append(s)
            if f in level and g in level and level[g] > level[f]:
                print("not ok: %s.c (layer %d) calls %s.c (layer %d): %s"
                      % (f, level[f], g, level[g], s))
                bad += 1
# cycles (Tarjan)
index, low, stack, onstack, n = {}, {}, [], set(), [0]
def visit(v):
    global bad
    index[v] = low[v] = n[0]; n[0] += 1; stack.append(v); onstack.add(v)
    for w in edges.get(v, {}):
        if w not in index:
            visit(w); low[v] = min(low[v], low[w])
        elif w in onstack:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop(); onstack.discard(w); comp.append(w)
            if w == v:
                break
        if len(comp) > 1:
            print("not ok: a cycle between " + ", ".join(sorted(c + ".c" for c in comp)))
            bad += 1
for v in files:
    if v not in index:
        visit(v)
nedges = sum(len(v) for v in edges.values())
if len(files) < 10 or nedges < 20:
    print("not ok: only %d objects, %d calls between them in %s" % (len(files), nedges, objdir))
    bad += 1
if not bad:
    print("ok: %d files, %d calls between files, all downward or within a layer, no cycle"
          % (len(files), nedges))
sys.exit(1 if bad else 0)
