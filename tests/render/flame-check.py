#!/usr/bin/env python3
"""flame-check.py [--exact] SVG TEXT - structural checks of a --flame/--icicle
SVG against the --text --show_bytes report of the same profile and options:

  - the root's value is the text report's Total;
  - every frame's width is its value's share of the full width, its
    percentage is right, it lies inside its parent, siblings are in name
    order and do not overlap, depths follow the pre-order;
  - per name, the flame's self values (value minus children) and cumulative
    values (outermost occurrence on each path) match the text report's flat
    and cum columns: equal with --exact, at most with cuts (frames narrower
    than 0.1 px are not drawn, so big profiles lose a little).

Exit 0 and one summary line, or 1 with one line per problem."""
import re
import sys
import xml.etree.ElementTree as ET

NS = '{http://www.w3.org/2000/svg}'
WIDTH, PAD = 1200, 10
AVAIL = WIDTH - 2 * PAD

args = sys.argv[1:]
exact = args[0] == '--exact'
if exact:
    args = args[1:]
svg_path, text_path = args
problems = []


def bad(msg):
    if len(problems) < 20:
        print('not ok: ' + msg)
    problems.append(msg)


root = ET.parse(svg_path).getroot()
if root.tag != NS + 'svg' or root.get('width') != str(WIDTH):
    sys.exit(f'{svg_path}: not a {WIDTH} wide <svg>')
fh, root_y = int(root.get('data-fh')), int(root.get('data-root-y'))
icicle = root.get('data-icicle') == '1'
for tag in ('script', 'style'):
    if len(root.findall(NS + tag)) != 1:
        bad(f'want exactly one <{tag}>')
if re.search(r'(href|src)\s*=', open(svg_path, encoding='utf-8').read()):
    bad('refers to an external resource')

frames = []
for g in root.iter(NS + 'g'):
    if g.get('class') != 'f':
        continue
    title = g.find(NS + 'title').text
    name, info = title.split('\n', 1)
    r = g.find(NS + 'rect')
    y = int(r.get('y'))
    depth = (y - root_y) // fh if icicle else (root_y - y) // fh
    diff = info.startswith('net ')
    if diff:  # "net +X B: G bytes grown, S bytes shrunk, P% of the change"
        m = re.match(r'net ([-+]\d+) \S+: (\d+) \w+ grown, (\d+) \w+ shrunk, (\S+) of', info)
        net, width_value, pct = int(m[1]), int(m[2]) + int(m[3]), m[4]
    else:  # "V B, P%" or "V objects, P%"
        m = re.match(r'(-?\d+) (?:B|objects), (\S+)$', info)
        if not m:
            sys.exit(f'{svg_path}: unexpected title values {info!r} (run with --show_bytes)')
        net, width_value, pct = int(m[1]), int(m[1]), m[2]
    frames.append({'name': name, 'value': width_value, 'net': net, 'pct': pct, 'depth': depth,
                   'x': float(r.get('x')), 'w': float(r.get('width')), 'children': []})
if not frames or frames[0]['name'] != 'all' or frames[0]['depth'] != 0:
    sys.exit(f'{svg_path}: no root frame "all" first')

# the text report: Total and per-name flat and cum
text = open(text_path, encoding='utf-8').read().splitlines()
total = None
flat, cum = {}, {}
for line in text:
    if line.startswith('Total: '):
        total = int(line.split()[1])
        continue
    cols = line.split(None, 5)
    if len(cols) == 6 and cols[1].endswith('%'):
        flat[cols[5]] = flat.get(cols[5], 0) + int(cols[0])
        cum[cols[5]] = cum.get(cols[5], 0) + int(cols[3])

top = frames[0]
if total is not None and top['net'] != total:
    bad(f'root value {top["net"]} != text Total {total}')
rootv = top['value']
tol_px = 0.011 + (AVAIL / rootv if rootv else 0)  # 2-decimal rounding + truncated values

# tree from the pre-order
stack = []
for i, f in enumerate(frames):
    if i and f['depth'] < 1:
        bad(f'frame {i} ({f["name"]}): depth {f["depth"]} after the root')
        continue
    del stack[f['depth']:]
    if len(stack) != f['depth']:
        bad(f'frame {i} ({f["name"]}): depth {f["depth"]} skips a level')
        continue
    if stack:
        stack[-1]['children'].append(f)
    f['parent'] = stack[-1] if stack else None
    stack.append(f)
    want = AVAIL * f['value'] / rootv if rootv else 0
    if i and abs(f['w'] - want) > tol_px:
        bad(f'frame {i} ({f["name"]}): width {f["w"]}, want {want:.3f}')
    pct = f'{100.0 * f["value"] / rootv:.1f}%' if rootv else 'nan'
    if i and rootv and abs(float(f['pct'][:-1]) - float(pct[:-1])) > 0.11:
        bad(f'frame {i} ({f["name"]}): {f["pct"]}, want {pct}')

for f in frames:
    kids = f['children']
    end = f['x']
    for k in kids:
        if k['x'] < end - 0.011 or k['x'] + k['w'] > f['x'] + f['w'] + 0.02:
            bad(f'{k["name"]} at {k["x"]}+{k["w"]} outside its parent or overlapping')
        end = k['x'] + k['w']
    names = [k['name'].encode() for k in kids]
    if names != sorted(names) or len(set(names)) != len(names):
        bad(f'children of {f["name"]} not merged and sorted by name: {names[:5]}')
    if sum(k['value'] for k in kids) > f['value'] + len(kids):
        bad(f'children of {f["name"]} worth more than it')

# per name: self and cumulative values against the text report (not in diff mode)
checked = 0
if not any(f['net'] < 0 for f in frames):
    fself, fcum, nframes = {}, {}, {}
    for f in frames[1:]:
        n = f['name']
        nframes[n] = nframes.get(n, 0) + 1
        fself[n] = fself.get(n, 0) + f['value'] - sum(k['value'] for k in f['children'])
        p = f['parent']
        while p and p['name'] != n:
            p = p['parent']
        if not p:
            fcum[n] = fcum.get(n, 0) + f['value']
    for n in set(flat) | set(fcum):
        tol = nframes.get(n, 0) + 1
        for what, mine, theirs in (('self', fself, flat), ('cum', fcum, cum)):
            a, b = mine.get(n, 0), theirs.get(n, 0)
            if (exact and abs(a - b) > tol) or (what == 'cum' and a > b + tol):
                bad(f'{n}: flame {what} {a}, text {"flat" if what == "self" else what} {b}')
        checked += 1

if problems:
    print(f'{svg_path}: {len(problems)} problems')
    sys.exit(1)
print(f'{len(frames)} frames, depth {max(f["depth"] for f in frames)}, total {top["net"]}, '
      f'{checked} names checked against --text')
