#!/usr/bin/env python3
"""web-browser.py - the web UI (--http) in a real browser: Debian's chromium,
headless, driven by chromedriver through python3-selenium, against a server
the test starts on a free loopback port. Each view loads without a script
error; the DOM is checked against the command line for the same options:
  Top      rows == `pprof --text` rows; a click on a header sorts by it; a
           click on a row focuses (rows == --text --focus='^name$')
  Graph    node labels == `pprof --dot` labels; the wheel zooms and a drag
           pans (the viewBox changes); a click on a node focuses on it
  Flame    in its frame, each function's outermost frames are as wide as
           its share of the total (--text --show_bytes cum); a click on a
           frame zooms it to the full width (flame.js)
  header   the sample-type menu and the regexp box with its focus button
           change the URL and the report (== --text with those options)
Source, Peek, Tree and Icicle load and show the CLI's output.
  web-browser.py small|corpus [--screenshots DIR]
Environment: PPROF, SRCDIR. Exit 0, 1 with "not ok" lines, 77 when
chromium, chromedriver or selenium is missing (or corpus without ../shared)."""
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.parse

PPROF, SRCDIR = os.environ['PPROF'], os.environ['SRCDIR']
mode = sys.argv[1] if len(sys.argv) > 1 else 'small'
shots = sys.argv[sys.argv.index('--screenshots') + 1] if '--screenshots' in sys.argv else None
browser = shutil.which('chromium') or shutil.which('chromium-browser')
driver = shutil.which('chromedriver')
try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
except ImportError:
    webdriver = None
if not browser or not driver or not webdriver:
    print('skipped: chromium, chromedriver or python3-selenium not installed')
    sys.exit(77)

TD = os.path.join(SRCDIR, 'testdata')
if mode == 'small':
    # --source_path: the profile names the worktree it was recorded in (Source view)
    ARGS = ['--source_path=' + os.path.join(TD, 'src'), os.path.join(TD, 'bin/phases'),
            os.path.join(TD, 'heap/phases.0003.heap')]
    ENV = dict(os.environ, PPROF_BINARY_PATH=os.path.join(TD, 'bin'), LC_ALL='C')
    FOCUS_RE = 'Phase'
else:
    C = os.path.join(SRCDIR, '..', 'shared', 'corpus')
    if not os.path.isdir(os.path.join(C, '02-rich')):
        print('skipped: no ../shared/corpus')
        sys.exit(77)
    ARGS = ['--source_path=' + os.path.join(C, 'src'), os.path.join(C, 'bin/rich-O2'),
            os.path.join(C, '02-rich/rich-O2.0001.heap')]
    ENV = dict(os.environ, PPROF_BINARY_PATH=os.path.join(C, 'bin') + ':' +
               os.path.join(C, 'lib'), LC_ALL='C')
    FOCUS_RE = 'corpus::'
fails = 0


def bad(msg):
    global fails
    fails += 1
    print('not ok:', msg)


def cli(*opts):
    return subprocess.run([PPROF, *opts, *ARGS], env=ENV, capture_output=True, text=True,
                          check=True).stdout


def text_rows(*opts):
    return [ln.split(None, 5) for ln in cli('--text', *opts).splitlines()[1:] if ln.strip()]


def dot_labels(*opts):
    """--dot's node labels, each as its lines (N<k> nodes, not the legend)."""
    out = []
    for m in re.finditer(r'^N\d+ \[label="((?:[^"\\]|\\.)*)"', cli('--dot', *opts), re.M):
        lines = re.split(r'\\[nrl]', m.group(1))
        out.append([s.replace('\\"', '"') for s in lines if s])
    return sorted(out)


server = subprocess.Popen([PPROF, '-http=127.0.0.1:0', '-no_browser', *ARGS], env=ENV,
                          stderr=subprocess.PIPE, text=True)
m = None
for line in server.stderr:  # symbolization warnings come first
    m = re.match(r'Serving web UI on http://127\.0\.0\.1:(\d+)$', line.strip())
    if m:
        break
if not m:
    server.kill()
    sys.exit('not ok: no "Serving web UI" line')
threading.Thread(target=server.stderr.read, daemon=True).start()
BASE = f'http://127.0.0.1:{m.group(1)}'

opts = webdriver.ChromeOptions()
opts.binary_location = browser
for a in ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
          '--window-size=1100,700', '--disable-dev-shm-usage']:
    opts.add_argument(a)
opts.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
d = webdriver.Chrome(service=Service(driver), options=opts)
d.set_page_load_timeout(120)


def load(path):
    d.get(BASE + path)
    errors = [e['message'] for e in d.get_log('browser') if e['level'] == 'SEVERE']
    if errors:
        bad(f'{path}: script errors {errors[:2]}')


def query():
    return urllib.parse.parse_qs(urllib.parse.urlparse(d.current_url).query)


def dom_rows():
    """The Top table's rows without the other unit's two columns (web-http.py checks them)."""
    rows = d.execute_script(
        "return Array.from(document.querySelectorAll('#top tbody tr'))"
        ".map(r => Array.from(r.cells).map(c => c.textContent))")
    return [r[:5] + r[7:] for r in rows]


def wait_url(old):
    for _ in range(200):
        if d.current_url != old and d.execute_script('return document.readyState') == 'complete':
            return
        time.sleep(0.05)
    bad(f'the page did not change from {old}')


def shot(name):
    if shots:
        d.save_screenshot(os.path.join(shots, name + '.png'))


def check_top():
    load('/top')
    want = text_rows()
    if dom_rows() != want:
        bad(f'/top: {dom_rows()[:2]} != --text {want[:2]}')
    else:
        print(f'ok top: {len(want)} rows == --text')
    shot('top')
    # sort by cum (descending, then ascending)
    th = d.find_elements(By.CSS_SELECTOR, '#top th')[3]
    th.click()
    cums = [float(c) for c in d.execute_script(
        "return Array.from(document.querySelectorAll('#top tbody tr td:nth-child(4)'))"
        ".map(c => c.dataset.v)")]
    th.click()
    cums_up = [float(c) for c in d.execute_script(
        "return Array.from(document.querySelectorAll('#top tbody tr td:nth-child(4)'))"
        ".map(c => c.dataset.v)")]
    if cums != sorted(cums, key=abs, reverse=True) or cums_up != sorted(cums, key=abs):
        bad(f'sorting by Cum: {cums} / {cums_up}')
    else:
        print('ok top: sorted by Cum, both ways')
    # click the first row: focus on its function
    name = want[0][5]
    old = d.current_url
    d.find_element(By.CSS_SELECTOR, '#top tbody tr[data-n="%s"]' % name).click()
    wait_url(old)
    f = query().get('f', [''])[0]
    exact = '^' + re.sub(r'([.\[\]{}()\\*+?^$|])', r'\\\1',
                         re.sub(r' \(inline\)$', '', name)) + '$'
    if f != exact or dom_rows() != text_rows('--focus=' + f):
        bad(f'click on row {name!r}: f={f!r}, rows {dom_rows()[:2]}')
    else:
        print(f'ok top: a click on {name!r} focuses (f={f}, rows == --text --focus)')


# the lines of each node's label (the call graph's nodes N1..., not the legend)
NODE_TEXTS = ("return Array.from(document.querySelectorAll('#graph g.node'))"
              ".filter(g => /^N[0-9]+$/.test(g.querySelector('title').textContent))"
              ".map(g => Array.from(g.querySelectorAll('text')).map(t => t.textContent))")


def check_graph():
    load('/')
    labels = sorted(d.execute_script(
        NODE_TEXTS))
    want = dot_labels()
    if labels != want:
        bad(f'graph labels {labels[:3]} != --dot {want[:3]}')
    else:
        print(f'ok graph: {len(labels)} node labels == --dot labels')
    shot('graph')
    vb = "return document.querySelector('#graph svg').getAttribute('viewBox')"
    before = d.execute_script(vb)
    svg = d.find_element(By.CSS_SELECTOR, '#graph svg')
    d.execute_script("arguments[0].dispatchEvent(new WheelEvent('wheel', {deltaY: -100, "
                     "clientX: 300, clientY: 300, bubbles: true, cancelable: true}))", svg)
    zoomed = d.execute_script(vb)
    ActionChains(d).move_to_element_with_offset(svg, 10, 10).click_and_hold() \
        .move_by_offset(60, 40).release().perform()
    panned = d.execute_script(vb)
    w = [float(x) for x in before.split()][2], [float(x) for x in zoomed.split()][2]
    if not w[1] < w[0] or panned == zoomed:
        bad(f'pan/zoom: viewBox {before} -> {zoomed} -> {panned}')
    else:
        print(f'ok graph: the wheel zooms ({before} -> {zoomed}), a drag pans ({panned})')
    # click the node of the biggest flat value (the first --text row)
    top = text_rows()[0][5]
    nodes = d.find_elements(By.CSS_SELECTOR, '#graph g.node')
    target = None
    for g in nodes:
        if d.execute_script('return pprofNodeName(arguments[0])', g) == \
                re.sub(r' \(inline\)$', '', top):
            target = g
    if not target:
        bad(f'no graph node for {top!r}')
        return
    old = d.current_url
    d.execute_script("arguments[0].querySelector('polygon').dispatchEvent("
                     "new MouseEvent('click', {bubbles: true}))", target)
    wait_url(old)
    f = query().get('f', [''])[0]
    if not f or not re.search(f, re.sub(r' \(inline\)$', '', top)) or \
            dot_labels('--focus=' + f) != sorted(d.execute_script(NODE_TEXTS)):
        bad(f'click on node {top!r}: f={f!r}')
    else:
        print(f'ok graph: a click on {top!r} focuses (f={f}, labels == --dot --focus)')


def check_flame(si):
    load('/flamegraph?si=' + si)
    shot('flamegraph')
    d.switch_to.frame(d.find_element(By.ID, 'flame'))
    frames = d.execute_script(
        "return Array.from(document.querySelectorAll('g.f')).map(g => {"
        " const r = g.querySelector('rect'); return [g.querySelector('title').textContent"
        ".split('\\n')[0], +r.getAttribute('x'), +r.getAttribute('y'), +r.getAttribute('width')]})")
    total_w = max(f[3] for f in frames)
    rows = text_rows('--show_bytes', '--sample_index=' + si)
    total = float(cli('--text', '--show_bytes', '--sample_index=' + si).split()[1])
    checked = 0
    for r in rows:
        cum = float(r[3])
        if abs(cum) < 0.01 * total:
            continue
        # outermost frames of this function: not inside another frame of it
        mine = [f for f in frames if f[0] == r[5]]
        outer = [f for f in mine if not any(g is not f and g[2] > f[2] and g[1] <= f[1] + 0.01
                                            and f[1] + f[3] <= g[1] + g[3] + 0.01 for g in mine)]
        if not mine:
            continue
        width = sum(f[3] for f in outer)
        if abs(width / total_w - cum / total) > 0.005:
            bad(f'flame {r[5]!r}: width {width:.2f}/{total_w} != cum {cum}/{total}')
        checked += 1
    if checked == 0:
        bad('flame: no function checked')
    else:
        print(f'ok flame ({si}): {checked} functions as wide as their cum share')
    # click a frame below the root: it spans the full width afterwards
    narrow = min((f for f in frames if f[3] < total_w - 1), key=lambda f: -f[3], default=None)
    if narrow:
        g = d.find_elements(By.CSS_SELECTOR, 'g.f')[frames.index(narrow)]
        d.execute_script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))",
                         g)
        w = float(g.find_element(By.TAG_NAME, 'rect').get_attribute('width'))
        if abs(w - total_w) > 0.5:
            bad(f'flame click on {narrow[0]!r}: width {w}, not {total_w}')
        else:
            print(f'ok flame: a click on {narrow[0]!r} zooms it to the full width')
    d.switch_to.default_content()


def check_header():
    load('/top')
    old = d.current_url
    Select(d.find_element(By.ID, 'si')).select_by_visible_text('alloc_space')
    wait_url(old)
    if query().get('si') != ['alloc_space'] or dom_rows() != text_rows('--alloc_space'):
        bad(f'sample type menu: {d.current_url}')
    else:
        print('ok header: the sample-type menu shows alloc_space (== --text --alloc_space)')
    box = d.find_element(By.ID, 're')
    box.clear()
    box.send_keys(FOCUS_RE)
    old = d.current_url
    d.find_element(By.ID, 'b-f').click()
    wait_url(old)
    want = text_rows('--alloc_space', '--focus=' + FOCUS_RE)
    if query().get('f') != [FOCUS_RE] or dom_rows() != want:
        bad(f'focus button: {d.current_url}: {dom_rows()[:2]} != {want[:2]}')
    else:
        print(f'ok header: focus {FOCUS_RE!r} through the box (== --text --alloc_space --focus)')
    # the other views keep the state
    old = d.current_url
    d.find_element(By.ID, 'v-tree').click()
    wait_url(old)
    pre = d.find_element(By.ID, 'report').text
    want = cli('-tree', '--alloc_space', '--focus=' + FOCUS_RE)
    if query().get('f') != [FOCUS_RE] or pre.split() != want.split():
        bad('Tree after the switch: not -tree --alloc_space --focus')
    else:
        print('ok header: the Tree link keeps si and f (== -tree with them)')
    shot('tree')


def check_text_views():
    for path, opts, name in [('/peek?f=' + urllib.parse.quote(FOCUS_RE), ['-peek=' + FOCUS_RE,
                              '--focus=' + FOCUS_RE], 'peek'),
                             ('/source?f=' + urllib.parse.quote(FOCUS_RE),
                              ['--list=' + FOCUS_RE, '--focus=' + FOCUS_RE], 'source'),
                             ('/disasm?f=' + urllib.parse.quote(FOCUS_RE),
                              ['--disasm=' + FOCUS_RE, '--focus=' + FOCUS_RE], 'disasm')]:
        load(path)
        got = d.find_element(By.ID, 'report').text
        want = subprocess.run([PPROF, *opts, *ARGS], env=ENV, capture_output=True,
                              text=True).stdout
        if got.split() != want.split() or not want:
            bad(f'{path}: not pprof {" ".join(opts)}')
        else:
            print(f'ok {name}: == pprof {" ".join(opts)}')
        shot(name)
    load('/icicle')
    d.switch_to.frame(d.find_element(By.ID, 'flame'))
    if not d.find_elements(By.CSS_SELECTOR, 'g.f'):
        bad('/icicle: no frames')
    d.switch_to.default_content()


try:
    check_top()
    check_graph()
    check_flame('inuse_space')
    check_flame('alloc_space')
    check_header()
    check_text_views()
finally:
    d.quit()
    server.send_signal(signal.SIGINT)
    if server.wait(30) != 0:
        bad('the server did not stop cleanly')
sys.exit(1 if fails else 0)
