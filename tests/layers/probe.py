#!/usr/bin/env python3
"""probe.py BUILD_DIR SRCDIR - the compiler's side of the layering: for every layer folder,
the compile command the build really uses for one of its files (compile_commands.json),
run on a one-line probe "#include <header>" for every header of every folder, by name and
and the first by path (folder/name). Headers of the folders scripts/check-layers allows must be found;
every other folder's must fail with "No such file" - so a render/ file that includes a
symbolizer header does not build. Prints one "not ok" line per wrong answer."""
import importlib.machinery
import importlib.util
import json
import os
import shlex
import subprocess
import sys
import tempfile

build, src = map(os.path.abspath, sys.argv[1:3])
loader = importlib.machinery.SourceFileLoader(
    "check_layers", os.path.join(src, "scripts", "check-layers"))
layers = importlib.util.module_from_spec(importlib.util.spec_from_loader("check_layers", loader))
loader.exec_module(layers)

commands = {}
with open(os.path.join(build, "compile_commands.json")) as f:
    compile_commands = json.load(f)
for c in compile_commands:
    f = os.path.normpath(os.path.join(c["directory"], c["file"]))
    rel = os.path.relpath(f, src)
    top = rel.split(os.sep)[0]
    if top in layers.ALLOWED and rel.endswith(".c") and top not in commands:
        commands[top] = c

headers = {}
for lay in layers.ALLOWED:
    for name in sorted(os.listdir(os.path.join(src, lay))):
        if name.endswith(".h"):
            headers.setdefault(lay, []).append(name)

def probe_cmd(c, probe):
    args = shlex.split(c["command"])
    out, skip = [], False
    for a in args:
        if skip:
            skip = False
            continue
        if a in ("-o", "-MF", "-MQ", "-MT", "-c"):
            skip = True
            continue
        if a in ("-MD", "-MMD") or os.path.normpath(os.path.join(c["directory"], a)) == \
                os.path.normpath(os.path.join(c["directory"], c["file"])):
            continue
        out.append(a)
    return out + ["-E", "-o", os.devnull, probe]

fail = checked = 0
with tempfile.TemporaryDirectory() as tmp:
    probe = os.path.join(tmp, "probe.c")
    for lay, c in sorted(commands.items()):
        may = layers.ALLOWED[lay] | {lay}
        for other, names in sorted(headers.items()):
            for name in names:
                for spelling in (name, other + "/" + name) if name == names[0] else (name,):
                    with open(probe, "w") as f:
                        f.write('#include "%s"\n' % spelling)
                    r = subprocess.run(probe_cmd(c, probe), cwd=c["directory"],
                                       capture_output=True, text=True)
                    missing = "No such file" in r.stderr or "not found" in r.stderr
                    checked += 1
                    if other not in may and not missing:
                        print("not ok: %s/ can include \"%s\" (%s may not include %s)"
                              % (lay, spelling, lay, other))
                        fail += 1
                    elif other in may and spelling == name and r.returncode != 0:
                        print("not ok: %s/ cannot include its allowed \"%s\": %s"
                              % (lay, spelling, r.stderr.strip().splitlines()[:1]))
                        fail += 1
print("%s: %d probes over %d folders (%s), %d wrong"
      % ("ok" if not fail else "not ok", checked, len(commands), " ".join(sorted(commands)), fail))
missing_layers = set(layers.ALLOWED) - set(commands) - {"collector"}
if missing_layers:
    print("not ok: no compile command for " + " ".join(sorted(missing_layers)))
    fail += 1
sys.exit(1 if fail else 0)
