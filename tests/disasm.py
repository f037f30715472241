#!/usr/bin/env python3
"""disasm.py - cpprof's --disasm against Perl pprof's (testdata/disasm/NAME.txt, made by
scripts/make-disasm-refs.sh with google-pprof, which runs nm and objdump) on the shared
corpus: PIE and non-PIE programs at -O0 and -O2 (inline frames), shared libraries.

Routine headers, totals, instruction addresses and values must be equal; instruction
text equal (objdump's spelling, "<name@plt>" and "# 4060 <g_sink>" included); README's
rules (Compatibility with Perl pprof, --disasm) explain the remaining differences:
  [dup]   Perl prints every routine of a non-PIE program twice (the program is in its
          library list twice); compared with the first copy.
  [disc]  Perl skips objdump's "file:line (discriminator N)" lines, so an instruction
          stays under the previous line; cpprof puts it under its own line. Allowed only
          where objdump -l (run here) prints a discriminator for that instruction.
Source rows are compared where both outputs start the same line run at the same
instruction. Prints per rule how many instructions it explained.
Usage: disasm.py PPROF SRCDIR   (skips, exit 77, without ../shared/corpus or objdump)
"""
import os, re, shutil, subprocess, sys

pprof, src = os.path.abspath(sys.argv[1]), sys.argv[2]
corpus = os.path.join(src, '..', 'shared', 'corpus')
refs = os.path.join(src, 'testdata', 'disasm')
if not os.path.isdir(corpus) or not shutil.which('objdump'):
    print('skipped: no ../shared/corpus or no objdump')
    sys.exit(77)
corpus = os.path.realpath(corpus)
RECORDED = '/opt/hprof-corpus'
INSN = re.compile(r'^(\S+) +(\S+) +([0-9a-f]+): +(.*)$')
SRC = re.compile(r'^(\S+) +(\S+) +(\d+): (.*)$')


def parse(text):
    """[(header lines, [rows])]: rows ('file', name) / ('src', line, flat, cum, text) /
    ('insn', addr, flat, cum, text, file, line)."""
    routines, file, line = [], None, None
    lines = text.split('\n')
    i = 0
    while i < len(lines):
        s = lines[i]
        if s.startswith('ROUTINE ='):
            routines.append(((s, lines[i + 1]), []))
            file, line = None, None
            i += 2
            continue
        if not s:
            i += 1
            continue
        rows = routines[-1][1]
        mi = re.match(r'^( *\S+) ( *\S+)    ( *[0-9a-f]+): (.*)$', s)
        ms = re.match(r'^( *\S+) ( *\S+) ( *\d+): (.*)$', s)
        if s.startswith('-------------------- '):
            file = s[21:]
            rows.append(('file', file))
        elif mi and len(mi.group(3)) == 8 and len(mi.group(1)) == 6:
            rows.append(('insn', mi.group(3).strip(), mi.group(1).strip(), mi.group(2).strip(),
                         mi.group(4).strip(), file, line))
        elif ms and len(ms.group(3)) == 5:
            line = int(ms.group(3))
            rest = ms.group(4)
            # a blank source line loses its newline (Perl's s/^\s+//): the next row follows
            if re.match(r'^ *\S+ +\S+ +[0-9a-f]+: ', rest) and len(rest) > 20 and rest[:6].strip():
                rows.append(('src', line, ms.group(1).strip(), ms.group(2).strip(), ''))
                lines[i] = rest
                continue
            rows.append(('src', line, ms.group(1).strip(), ms.group(2).strip(), rest))
        else:
            raise SystemExit('cannot parse: %r' % s)
        i += 1
    return routines


def discriminated(binary, lo, hi):
    """Addresses objdump -l places under a "(discriminator N)" location -> its line."""
    out = subprocess.run(['objdump', '-d', '-l', '--no-show-raw-insn', '--start-address=0x' + lo,
                          '--stop-address=0x%x' % (int(hi, 16) + 1), binary],
                         capture_output=True, text=True).stdout
    res, cur = {}, None
    for s in out.split('\n'):
        m = re.match(r'^\S+:(\d+) \(discriminator \d+\)$', s)
        if m:
            cur = int(m.group(1))
        elif re.match(r'^\S+:\d+$', s):
            cur = None
        else:
            m = re.match(r'^ +([0-9a-f]+):', s)
            if m and cur is not None:
                res[m.group(1)] = cur
    return res


counts = {'dup': 0, 'disc': 0, 'equal': 0}
failures = 0


def fail(name, msg):
    global failures
    failures += 1
    print('not ok: %s: %s' % (name, msg))


for ref_name in sorted(f for f in os.listdir(refs) if f.endswith('.txt')):
    name = ref_name[:-4]
    case, heap, prog, regex = open(os.path.join(refs, name + '.cmd')).read().rstrip('\n').split('\t')
    binary = os.path.join(corpus, 'bin', prog)
    env = dict(os.environ, PPROF_BINARY_PATH=corpus + '/bin:' + corpus + '/lib')
    run = subprocess.run([pprof, '--disasm=' + regex, '--source_path=' + corpus + '/src', binary, heap],
                         cwd=os.path.join(corpus, case), env=env, capture_output=True, text=True)
    if run.returncode != 0:
        fail(name, 'exit %d: %s' % (run.returncode, run.stderr.strip()[:200]))
        continue
    got = parse(run.stdout.replace(corpus, RECORDED))
    ref = parse(open(os.path.join(refs, ref_name)).read())
    half = len(ref) // 2
    if len(ref) % 2 == 0 and half and ref[:half] == ref[half:] and len(got) == half:
        with open(binary, 'rb') as f:
            is_exec = f.read(18)[16] == 2  # e_type ET_EXEC
        if is_exec:
            counts['dup'] += half
            ref = ref[:half]
    if [r[0] for r in ref] != [g[0] for g in got]:
        fail(name, 'routines or totals differ: %s vs %s' % ([r[0][0] for r in ref], [g[0][0] for g in got]))
        continue
    for (hdr, rrows), (_, grows) in zip(ref, got):
        ri = [r for r in rrows if r[0] == 'insn']
        gi = [g for g in grows if g[0] == 'insn']
        if [r[1:4] for r in ri] != [g[1:4] for g in gi]:
            fail(name, '%s: instruction addresses or values differ' % hdr[0])
            continue
        disc = None
        for r, g in zip(ri, gi):
            rt, gt = r[4], g[4]
            if rt == gt:
                counts['equal'] += 1
            else:
                fail(name, '%s: %s: "%s" vs "%s"' % (hdr[0], r[1], rt, gt))
            if (r[5], r[6]) != (g[5], g[6]):
                if disc is None:
                    disc = discriminated(binary if r[5] and 'lib' not in heap else binary,
                                         ri[0][1], ri[-1][1])
                if disc.get(r[1]) == g[6]:
                    counts['disc'] += 1
                else:
                    fail(name, '%s: %s: line %s:%s vs %s:%s' % (hdr[0], r[1], r[5], r[6], g[5], g[6]))
        # source rows starting the same run at the same instruction
        def runs(rows):
            out, cur = {}, None
            for x in rows:
                if x[0] == 'src':
                    cur = [x, None, []]
                elif x[0] == 'insn' and cur is not None:
                    if cur[1] is None:
                        cur[1] = x[1]
                        out[x[1]] = cur
                    cur[2].append(x[1])
            return out
        rr, gr = runs(rrows), runs(grows)
        for a in rr.keys() & gr.keys():
            if rr[a][2] == gr[a][2] and rr[a][0][1] == gr[a][0][1] and rr[a][0] != gr[a][0]:
                fail(name, '%s: source row at %s: %s vs %s' % (hdr[0], a, rr[a][0], gr[a][0]))

# robustness: the routine's code overwritten with undecodable and truncated
# instructions (the bytes before the return addresses kept, so the file still
# passes as the profiled build): no crash, every byte covered, "(bad)" spelled
# as objdump spells it (Perl's CleanDisassembly then removes it: an empty text)
import tempfile
with tempfile.TemporaryDirectory() as tmp:
    seed = os.path.join(corpus, 'bin', 'seed')
    data = bytearray(open(seed, 'rb').read())
    nm = subprocess.run(['nm', seed], capture_output=True, text=True).stdout
    start = int(re.search(r'^([0-9a-f]+) T _Z13Leak20000Funcv$', nm, re.M).group(1), 16)
    # PIE: the file offset of .text equals its address in this program
    data[start:start + 8] = b'\x0f\x0b\xc4\xff\xff\xff\x0f\xff'
    os.makedirs(os.path.join(tmp, 'bin'))
    bad = os.path.join(tmp, 'bin', 'seed')
    open(bad, 'wb').write(bytes(data))
    run = subprocess.run([pprof, '--disasm=Leak20000', bad, 'seed-preload.0001.heap'],
                         cwd=os.path.join(corpus, '01-seed'), capture_output=True, text=True,
                         env=dict(os.environ, PPROF_BINARY_PATH=tmp + '/bin'))
    rows = [r for rt in parse(run.stdout) for r in rt[1] if r[0] == 'insn']
    addrs = [int(r[1], 16) for r in rows]
    if run.returncode != 0 or not rows or addrs[0] != start or '' not in [r[4] for r in rows]:
        fail('corrupt-code', 'exit %d, %d instructions: %s' % (run.returncode, len(rows), run.stderr[:200]))
    else:
        print('ok: corrupt code: %d instructions, %d undecodable bytes' %
              (len(rows), sum(1 for r in rows if r[4] == '')))

print(' '.join('%s=%d' % kv for kv in counts.items()))
print('%d failures' % failures)
sys.exit(1 if failures else 0)
