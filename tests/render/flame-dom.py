#!/usr/bin/env python3
"""flame-dom.py - checks what flame.js did in a real browser.

  flame-dom.py pick SVG            a frame worth zooming on: not the root, with
                                   a sibling (and a child when there is one)
  flame-dom.py check SVG DOM N RE  DOM is the browser's --dump-dom of SVG opened
                                   at #zoom=N&search=RE: frame N spans the full
                                   width, its ancestors are full width and faded,
                                   its subtree is scaled with it, every other
                                   frame is hidden, labels are re-fitted, and the
                                   frames matching RE are highlighted with the
                                   right matched percentage
  flame-dom.py reset SVG DOM       DOM opened at #zoom=0: the original layout
Exit 0 with one summary line, or 1 with one line per problem."""
import math
import re
import sys
import xml.etree.ElementTree as ET

NS = '{http://www.w3.org/2000/svg}'
WIDTH, PAD, CW = 1200, 10, 7.2
AVAIL = WIDTH - 2 * PAD
HIGHLIGHT = '#e040e0'


def frames_of(path):
    root = ET.parse(path).getroot()
    fh, root_y = int(root.get('data-fh')), int(root.get('data-root-y'))
    icicle = root.get('data-icicle') == '1'
    out, last = [], []
    for g in root.iter(NS + 'g'):
        cls = g.get('class') or ''
        if cls.split()[:1] != ['f']:
            continue
        r, t = g.find(NS + 'rect'), g.find(NS + 'text')
        y = int(r.get('y'))
        d = (y - root_y) // fh if icicle else (root_y - y) // fh
        f = {'i': len(out), 'cls': cls, 'name': g.find(NS + 'title').text.split('\n')[0],
             'x': float(r.get('x')), 'w': float(r.get('width')), 'fill': r.get('fill'),
             'label': t.text if t is not None and t.text else '', 'd': d,
             'parent': last[d - 1] if d else None, 'end': None}
        for k in last[d:]:
            k['end'] = f['i']
        del last[d:]
        last.append(f)
        out.append(f)
    for f in out:
        if f['end'] is None:
            f['end'] = len(out)
    return root, out


def label(name, w):
    n = math.floor((w - 6) / CW)
    if n < 3:
        return ''
    return name if len(name) <= n else name[:n - 2] + '..'


problems = []


def bad(msg):
    if len(problems) < 20:
        print('not ok: ' + msg)
    problems.append(msg)


def near(a, b):
    return abs(a - b) <= 0.011


def pick(frames):
    best, nkids = None, {}
    for f in frames[1:]:
        nkids[f['parent']['i']] = nkids.get(f['parent']['i'], 0) + 1
    for f in frames[1:]:
        if nkids[f['parent']['i']] < 2:
            continue
        score = (f['end'] > f['i'] + 1, f['d'] >= 2, f['w'])
        if best is None or score > best[0]:
            best = (score, f['i'])
    return best[1] if best else None


def check(orig, dom, n, rx):
    svg, got = dom
    if len(got) != len(orig):
        bad(f'{len(got)} frames in the DOM, {len(orig)} in the file')
        return
    if svg.get('data-zoom') != str(n):
        bad(f'data-zoom is {svg.get("data-zoom")!r}, want {n} (did the script run?)')
    z = orig[n]
    scale = AVAIL / z['w']
    anc = set()
    p = z['parent']
    while p:
        anc.add(p['i'])
        p = p['parent']
    shown = 0
    for o, g in zip(orig, got):
        if o['i'] in anc:
            want_cls, x, w = 'f a', PAD, AVAIL
        elif z['i'] <= o['i'] < z['end']:
            want_cls, x, w = 'f', PAD + (o['x'] - z['x']) * scale, o['w'] * scale
        else:
            want_cls, x, w = 'f h', None, None
        if g['cls'] != want_cls:
            bad(f'frame {o["i"]} ({o["name"]}): class {g["cls"]!r}, want {want_cls!r}')
            continue
        if x is None:
            continue
        shown += 1
        if not near(g['x'], x) or not near(g['w'], w):
            bad(f'frame {o["i"]} ({o["name"]}): at {g["x"]}+{g["w"]}, want {x:.2f}+{w:.2f}')
        if g['label'] != label(o['name'], g['w']):
            bad(f'frame {o["i"]}: label {g["label"]!r}, want {label(o["name"], g["w"])!r}')
    if not near(got[n]['x'], PAD) or not near(got[n]['w'], AVAIL):
        bad(f'zoomed frame {n} is not full width: {got[n]["x"]}+{got[n]["w"]}')
    # search: highlighted frames and the matched share (nested matches once)
    spans = sorted((o['x'], o['x'] + o['w']) for o in orig if re.search(rx, o['name']))
    total, end = 0.0, -1e9
    for a, b in spans:
        if b > end:
            total += b - max(a, end)
            end = b
    want = 100 * total / orig[0]['w']
    got_pct = svg.get('data-matched')
    if got_pct is None or abs(float(got_pct) - want) > 0.051:
        bad(f'data-matched {got_pct!r}, want {want:.1f}')
    for o, g in zip(orig, got):
        hit = re.search(rx, o['name']) is not None
        if (g['fill'] == HIGHLIGHT) != hit or (not hit and g['fill'] != o['fill']):
            bad(f'frame {o["i"]} ({o["name"]}): fill {g["fill"]}, match {hit}')
    print(f'zoomed on frame {n} ({z["name"]}): {len(anc)} ancestors, {shown - len(anc)} frames '
          f'in its subtree, {len(orig) - shown} hidden; search {rx!r}: {got_pct}%')


def reset(orig, dom):
    svg, got = dom
    if svg.get('data-zoom') is not None:
        bad(f'data-zoom still {svg.get("data-zoom")!r}')
    for o, g in zip(orig, got):
        if (g['cls'], g['x'], g['w'], g['label']) != ('f', o['x'], o['w'], o['label']):
            bad(f'frame {o["i"]} ({o["name"]}) not restored: {g["cls"]} {g["x"]}+{g["w"]}')
    print(f'reset: {len(got)} frames back in place')


cmd = sys.argv[1]
_, orig = frames_of(sys.argv[2])
if cmd == 'pick':
    n = pick(orig)
    if n is None:
        sys.exit('no frame with a sibling')
    print(n)
    sys.exit(0)
dom = frames_of(sys.argv[3])
if cmd == 'check':
    check(orig, dom, int(sys.argv[4]), sys.argv[5])
else:
    reset(orig, dom)
sys.exit(1 if problems else 0)
