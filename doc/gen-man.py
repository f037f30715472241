#!/usr/bin/env python3
"""gen-man.py - writes pprof.1 from the built program's `pprof --help` and README.md.

The OPTIONS section is the option list `pprof --help` prints (which cli/options.c
generates from its option table), so the man page cannot drift from the program:
it is rebuilt whenever the program is. SYNOPSIS is the help's "Usage:" lines,
EXAMPLES the first code block of README's "## Usage" section; the rest is
pprof.1.in.

usage: gen-man.py PPROF TEMPLATE README OUTPUT
"""
import re
import subprocess
import sys


# what man shows in an ASCII locale too (groff -Tascii has no glyph for "\\[u2026]")
ASCII = {"\u2026": "...", "\u2014": "\\(em", "\u2013": "\\(en", "\u2212": "\\-",
         "\u2192": "\\(->", "\u00d7": "\\(mu", "\u2018": "\\(oq", "\u2019": "\\(cq",
         "\u201c": "\\(lq", "\u201d": "\\(rq"}


def esc(s):
    """Plain text as roff: backslashes, hyphens (ASCII in -Tutf8), non-ASCII as roff glyphs."""
    s = s.replace("\\", "\\e").replace("-", "\\-")
    s = "".join(c if ord(c) < 128 else ASCII.get(c, "\\[u%04X]" % ord(c)) for c in s)
    return re.sub(r"^([.'])", r"\\&\1", s)


def parse_help(text):
    """-> (usage lines, [(heading or None, [(option, metavar, optional, help)])])"""
    usage, groups = [], []
    lines = text.splitlines()
    i = 0
    while i < len(lines) and not lines[i].startswith("Usage"):
        i += 1
    i += 1
    while i < len(lines) and lines[i].strip():
        usage.append(lines[i].strip())
        i += 1
    while i < len(lines) and not lines[i].startswith("Options"):
        i += 1
    i += 1
    groups.append((None, []))
    for line in lines[i:]:
        if not line.strip():
            continue
        if not line[0].isspace():
            if line.startswith("Environment"):
                break
            groups.append((line.strip().rstrip(":"), []))  # a heading of the table
            continue
        m = re.match(r"\s+(--?[A-Za-z0-9_-]+)(?:(\[=|=)([^\s\]]*)\]?)?(?:\s+(.*))?$", line)
        if m:
            name, eq, meta, hlp = m.groups()
            groups[-1][1].append([name, meta or None, eq == "[=", hlp or ""])
        elif groups[-1][1]:  # a continuation of the previous option's help
            groups[-1][1][-1][3] += " " + line.strip()
    return usage, [g for g in groups if g[1]]


def options_roff(groups):
    out = []
    for heading, opts in groups:
        if heading:
            out.append(".SS " + esc(heading))
        for name, meta, optional, hlp in opts:
            tag = "\\fB" + esc(name) + "\\fR"
            if meta:
                arg = "=\\fI" + esc(meta) + "\\fR"
                tag += "[" + arg + "]" if optional else arg
            out += [".TP", tag, esc(hlp) if hlp else "\\&"]
    return "\n".join(out)


def synopsis_roff(usage):
    out = []
    for u in usage:
        m = re.match(r"(\S+)\s+(.*?)(?:\s{2,}\((.*)\))?$", u)
        cmd, args, note = m.groups() if m else (u, "", None)
        out += [".SY " + esc(cmd)]
        for word in args.split():
            out.append(("\\fI" + esc(word) + "\\fR") if word.startswith("<") or word.startswith("[")
                       else esc(word))
        out.append(".YS")  # (the help's note after a usage line: DESCRIPTION says it)
    return "\n".join(out)


def examples_roff(readme):
    m = re.search(r"^## Usage\n.*?^```\n(.*?)^```", readme, re.M | re.S)
    if not m:
        sys.exit("gen-man.py: README.md has no code block under '## Usage'")
    out = []
    for line in m.group(1).splitlines():
        if not line.strip():
            continue
        cmd, _, note = line.partition(" # ")
        out += [".TP", "\\fB" + esc(cmd.strip()) + "\\fR"]
        note = note.strip()
        if note:
            note = note[0].upper() + note[1:] + ("" if note[-1] in ".\u2026" else ".")
        out.append(esc(note) if note else "\\&")
    return "\n".join(out)


def main():
    pprof, template, readme, output = sys.argv[1:5]
    text = subprocess.run([pprof, "--help"], check=True, capture_output=True, text=True).stdout
    version = subprocess.run([pprof, "--version"], check=True, capture_output=True,
                             text=True).stdout.split()[-1]
    usage, groups = parse_help(text)
    if not usage or not groups:
        sys.exit("gen-man.py: `%s --help` printed no usage or no options" % pprof)
    with open(template) as f:
        page = f.read()
    with open(readme) as f:
        examples = examples_roff(f.read())
    for key, value in (("@VERSION@", version), ("@SYNOPSIS@", synopsis_roff(usage)),
                       ("@OPTIONS@", options_roff(groups)), ("@EXAMPLES@", examples)):
        page = page.replace(key, value)
    with open(output, "w") as f:
        f.write(page)


if __name__ == "__main__":
    main()
