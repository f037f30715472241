#!/usr/bin/env python3
# compare-corpus.py - compares hp-addr2line with binutils' addr2line on sampled
# text addresses of the corpus binaries and libraries (and libc when present).
# For every address the file:line of each inline level and the outermost
# function name must agree. Known, deliberate differences are not failures:
#  - inlined levels are named from DWARF (addr2line names them after the
#    containing function), so only the outermost name is compared;
#  - addresses past the end of a sized symbol (padding): no symbol here;
#  - addr2line's STT_FILE-derived "crtstuff.c:?" for symbol-only answers.
# Usage: compare-corpus.py HP_ADDR2LINE CORPUS_DIR. Exit 77 when the corpus or
# addr2line is missing.
import os, random, re, shutil, subprocess, sys

tool, corpus = sys.argv[1], sys.argv[2]
if not os.path.isdir(os.path.join(corpus, 'bin')) or not shutil.which('addr2line'):
    print('skipped: no ../shared/corpus or no addr2line')
    sys.exit(77)

objs = sorted(os.path.join(corpus, d, f) for d in ('bin', 'lib')
              for f in os.listdir(os.path.join(corpus, d)))
libc = '/usr/lib/x86_64-linux-gnu/libc.so.6'
if os.path.exists(libc) and os.path.isdir('/usr/lib/debug/.build-id'):
    objs.append(libc)

def text_range(obj):
    out = subprocess.run(['readelf', '-SW', obj], capture_output=True, text=True).stdout
    for l in out.splitlines():
        m = re.search(r'\]\s+\.text\s+\S+\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)', l)
        if m:
            return int(m.group(1), 16), int(m.group(2), 16)
    return None

def run(cmd, inp):
    o = subprocess.run(cmd, input=inp, capture_output=True, text=True).stdout
    groups, cur = {}, None
    for l in o.splitlines():
        if l.startswith('0x'):
            cur = int(l, 16)
            groups[cur] = []
        elif cur is not None:
            groups[cur].append(re.sub(r' \(discriminator \d+\)$', '', l))
    return groups

failed = 0
print('1..%d' % len(objs))
for i, obj in enumerate(objs, 1):
    tr = text_range(obj)
    if not tr:
        print('ok %d - %s # SKIP no .text' % (i, obj))
        continue
    random.seed(i)
    addrs = sorted(set(tr[0] + random.randrange(tr[1]) for _ in range(1500)))
    inp = ''.join('%x\n' % a for a in addrs)
    a = run(['addr2line', '-a', '-f', '-i', '-C', '-e', obj], inp)
    b = run([tool, '-a', '-e', obj], inp)
    bad = []
    for x in addrs:
        ga, gb = a.get(x, []), b.get(x, [])
        if len(ga) < 2 or len(gb) < 2:
            if ga != gb:
                bad.append((x, ga, gb))
            continue
        if ga[-1].endswith(':?') and gb[-1] == '??:?' and ga[-2] == gb[-2]:
            continue  # STT_FILE name
        if gb[-2] == '??' and ga[-2] != '??' and len(gb) == 2:
            continue  # padding past a sized symbol
        if ga[1::2] != gb[1::2] or ga[-2] != gb[-2]:
            bad.append((x, ga, gb))
    if bad:
        failed += 1
        print('not ok %d - %s: %d of %d addresses differ' % (i, obj, len(bad), len(addrs)))
        for x, ga, gb in bad[:5]:
            print('# %x\n#   addr2line: %s\n#   ours:      %s' % (x, ' | '.join(ga), ' | '.join(gb)))
    else:
        print('ok %d - %s (%d addresses)' % (i, obj, len(addrs)))
sys.exit(1 if failed else 0)
