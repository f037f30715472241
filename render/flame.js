/*
 * flame.js - the script embedded in cpprof's flame graphs (render/flame.c
 * turns this file into a C string at build time; it must never contain the
 * CDATA end marker). No external resources, no libraries.
 *
 * Frames are the g elements of class f, in pre-order (a frame's subtree is
 * the run of frames after it that are deeper). Each holds a <title> ("name",
 * newline, values), a <rect> and, when the name fits, a <text>.
 *
 *   click a frame      zoom: it spans the full width, its ancestors are
 *                      drawn faded at full width, every other frame hidden
 *   Reset Zoom, Esc    back to the whole graph
 *   Search, '/'        highlight frames whose name matches a regular
 *                      expression; shows the matched share of the total
 *   #zoom=N&search=RE  the same from the URL fragment (N: frame index in
 *                      document order, 0 = root; applied as a click on
 *                      frame N); zooming and searching update it
 * After a zoom or a search the root <svg> carries data-zoom / data-matched,
 * so a headless browser's DOM dump shows what happened.
 */
(function () {
    'use strict';
    var NS = 'http://www.w3.org/2000/svg';
    var svg = document.documentElement;
    function num(name) {
        return +svg.getAttribute(name);
    }
    var width = num('width'), pad = num('data-pad'), fh = num('data-fh'), cw = num('data-cw');
    var rootY = num('data-root-y'), icicle = svg.getAttribute('data-icicle') === '1';
    var avail = width - 2 * pad, highlight = '#e040e0';
    var details = document.getElementById('details'), matched = document.getElementById('matched');
    var reset = document.getElementById('reset'), searchBtn = document.getElementById('search');

    var frames = [];
    var gs = svg.querySelectorAll('g.f');
    var last = [];
    for (var i = 0; i < gs.length; i++) {
        var g = gs[i], r = g.querySelector('rect'), t = g.querySelector('title').textContent;
        var y = +r.getAttribute('y'), nl = t.indexOf('\n');
        var d = Math.round((icicle ? y - rootY : rootY - y) / fh);
        var f = {
            i: i, g: g, r: r, d: d, y: y,
            x: +r.getAttribute('x'), w: +r.getAttribute('width'), fill: r.getAttribute('fill'),
            name: nl >= 0 ? t.slice(0, nl) : t, info: nl >= 0 ? t.slice(nl + 1) : '',
            parent: d > 0 ? last[d - 1] : null, end: gs.length
        };
        /* close the subtrees of the frames this one is not inside */
        for (var k = d; k < last.length; k++)
            if (last[k])
                last[k].end = i;
        last.length = d;
        last[d] = f;
        g.cpprofFrame = f;
        frames.push(f);
    }

    /* The label of a frame drawn w wide: as many characters as fit, ".." when cut. */
    function label(f, x, w) {
        var n = Math.floor((w - 6) / cw), s = '';
        if (n >= 3)
            s = f.name.length <= n ? f.name : f.name.slice(0, n - 2) + '..';
        var t = f.g.querySelector('text');
        if (!t) {
            if (!s)
                return;
            t = document.createElementNS(NS, 'text');
            t.setAttribute('y', String(f.y + fh - 4));
            f.g.appendChild(t);
        }
        t.setAttribute('x', (x + 3).toFixed(2));
        t.textContent = s;
    }

    function place(f, x, w, cls) {
        f.g.setAttribute('class', cls);
        if (cls === 'f h')
            return;
        f.r.setAttribute('x', x.toFixed(2));
        f.r.setAttribute('width', w.toFixed(2));
        label(f, x, w);
    }

    var zoomed = null;

    function zoom(z) {
        if (!z || z.i === 0)
            return unzoom();
        var scale = avail / z.w, anc = {};
        for (var p = z.parent; p; p = p.parent)
            anc[p.i] = true;
        for (var i = 0; i < frames.length; i++) {
            var f = frames[i];
            if (anc[f.i])
                place(f, pad, avail, 'f a');
            else if (f.i >= z.i && f.i < z.end)
                place(f, pad + (f.x - z.x) * scale, f.w * scale, 'f');
            else
                place(f, 0, 0, 'f h');
        }
        zoomed = z;
        reset.setAttribute('class', 'c');
        svg.setAttribute('data-zoom', String(z.i));
        remember();
    }

    function unzoom() {
        for (var i = 0; i < frames.length; i++)
            place(frames[i], frames[i].x, frames[i].w, 'f');
        zoomed = null;
        reset.setAttribute('class', 'c h');
        svg.removeAttribute('data-zoom');
        remember();
    }

    var query = null;

    function search(re) {
        var rx = null;
        if (re) {
            try {
                rx = new RegExp(re);
            } catch (e) {
                details.textContent = 'bad regular expression: ' + re;
                return;
            }
        }
        var spans = [];
        for (var i = 0; i < frames.length; i++) {
            var f = frames[i], hit = rx !== null && rx.test(f.name);
            f.r.setAttribute('fill', hit ? highlight : f.fill);
            if (hit)
                spans.push([f.x, f.x + f.w]);
        }
        query = rx ? re : null;
        if (!rx) {
            matched.textContent = ' ';
            svg.removeAttribute('data-matched');
            searchBtn.textContent = 'Search';
            remember();
            return;
        }
        /* matched share: the union of the matching frames' spans (nested matches count once) */
        spans.sort(function (a, b) {
            return a[0] - b[0];
        });
        var total = 0, end = -Infinity;
        for (var j = 0; j < spans.length; j++) {
            if (spans[j][1] > end) {
                total += spans[j][1] - Math.max(spans[j][0], end);
                end = spans[j][1];
            }
        }
        var pct = frames.length && frames[0].w > 0 ? (100 * total / frames[0].w).toFixed(1) : '0.0';
        matched.textContent = 'Matched: ' + pct + '% (' + re + ')';
        svg.setAttribute('data-matched', pct);
        searchBtn.textContent = 'Clear search';
        remember();
    }

    function askSearch() {
        if (query !== null)
            return search(null);
        var re = window.prompt('Search frames (regular expression)', '');
        if (re)
            search(re);
    }

    /* the state lives in the URL fragment, so a reload or a shared link keeps it */
    var applying = false;
    function remember() {
        if (applying || !window.history || !history.replaceState)
            return;
        var parts = [];
        if (zoomed)
            parts.push('zoom=' + zoomed.i);
        if (query !== null)
            parts.push('search=' + encodeURIComponent(query));
        try {
            history.replaceState(null, '', parts.length ? '#' + parts.join('&') : location.pathname);
        } catch (e) {
            /* file: URLs in some browsers */
        }
    }

    function applyFragment() {
        var params = {};
        location.hash.replace(/^#/, '').split('&').forEach(function (kv) {
            var eq = kv.indexOf('=');
            if (eq > 0)
                params[kv.slice(0, eq)] = decodeURIComponent(kv.slice(eq + 1));
        });
        applying = true;
        var n = parseInt(params.zoom, 10);
        if (n >= 0 && n < frames.length) /* a real click, through the same handler */
            frames[n].r.dispatchEvent(new MouseEvent('click', {bubbles: true}));
        else if (zoomed)
            unzoom();
        if ('search' in params)
            search(params.search);
        else if (query !== null)
            search(null);
        applying = false;
    }

    function frameOf(node) {
        var g = node && node.closest ? node.closest('g.f') : null;
        return g ? g.cpprofFrame : null;
    }

    svg.addEventListener('click', function (e) {
        var f = frameOf(e.target);
        if (f)
            zoom(f);
        else if (e.target === reset)
            unzoom();
        else if (e.target === searchBtn)
            askSearch();
    });
    svg.addEventListener('mouseover', function (e) {
        var f = frameOf(e.target);
        if (f)
            details.textContent = f.name + ': ' + f.info;
    });
    svg.addEventListener('mouseout', function (e) {
        if (frameOf(e.target))
            details.textContent = ' ';
    });
    window.addEventListener('keydown', function (e) {
        if (e.key === 'Escape') {
            unzoom();
            search(null);
        } else if (e.key === '/' || (e.key === 'f' && (e.ctrlKey || e.metaKey))) {
            e.preventDefault();
            askSearch();
        }
    });
    window.addEventListener('hashchange', applyFragment);
    if (location.hash)
        applyFragment();
})();
