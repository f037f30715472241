// webui.js - the script of every web UI page (cli/webviews.c inlines it):
// the header bar (view links keep the query; sample type, focus, ignore,
// hide, show and reset change it), the Top table (sort by a column, click a
// row to focus on its function) and the Graph (pan by dragging, zoom with
// the wheel, click a node to focus on it). All state lives in the URL.
'use strict';
(function () {
  const P = new URLSearchParams(location.search);
  function go(k, v) {
    if (v === null || v === undefined) P.delete(k); else P.set(k, v);
    location.search = P.toString();
  }
  // a function name as an anchored POSIX ERE (what --focus matches: the
  // name without the " (inline)" that reports append)
  function exact(name) {
    name = name.replace(/ \(inline\)$/, '');
    return '^' + name.replace(/[.[\]{}()\\*+?^$|]/g, '\\$&') + '$';
  }
  window.pprofExact = exact;
  function $(id) { return document.getElementById(id); }
  document.addEventListener('DOMContentLoaded', function () {
    const re = $('re');
    $('si').addEventListener('change', function () { go('si', this.value); });
    const params = {f: 'b-f', i: 'b-i', h: 'b-h', s: 'b-s'};
    for (const k in params)
      $(params[k]).addEventListener('click', function () { go(k, re.value); });
    re.addEventListener('keydown', function (e) { if (e.key === 'Enter') go('f', re.value); });
    $('b-r').addEventListener('click', function () {
      for (const k in params) P.delete(k);
      location.search = P.toString();
    });
    const top = $('top');
    if (top) sortable(top);
    const svg = document.querySelector('#graph svg');
    if (svg) panZoom(svg);
  });

  function sortable(table) {
    const body = table.tBodies[0];
    Array.from(table.tHead.rows[0].cells).forEach(function (th, col) {
      th.addEventListener('click', function () {
        const dir = th.dataset.dir === 'desc' ? 'asc' : 'desc';
        for (const h of table.tHead.rows[0].cells) delete h.dataset.dir;
        th.dataset.dir = dir;
        const rows = Array.from(body.rows);
        rows.sort(function (a, b) {
          const x = a.cells[col], y = b.cells[col];
          const c = x.dataset.v !== undefined ? Math.abs(x.dataset.v) - Math.abs(y.dataset.v)
                                              : x.textContent.localeCompare(y.textContent);
          return dir === 'asc' ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
    body.addEventListener('click', function (e) {
      const tr = e.target.closest('tr');
      if (tr) go('f', exact(tr.dataset.n));
    });
  }

  // the function of a graph node: its label's lines before the value, the
  // "::" the layout broke the name at put back
  function nodeName(g) {
    const lines = [];
    for (const t of g.querySelectorAll('text')) {
      const s = t.textContent;
      if (/^-?[0-9.]+[a-zA-Z]* \(/.test(s) || /^of /.test(s)) break;
      lines.push(s);
    }
    return lines.filter(function (s) { return s !== '(inline)'; }).join('::');
  }
  window.pprofNodeName = nodeName;

  function panZoom(svg) {
    const vb = svg.viewBox.baseVal;
    svg.removeAttribute('width');
    svg.removeAttribute('height');
    let drag = null, moved = false;
    function user(e) {
      const p = svg.createSVGPoint();
      p.x = e.clientX; p.y = e.clientY;
      return p.matrixTransform(svg.getScreenCTM().inverse());
    }
    svg.addEventListener('wheel', function (e) {
      e.preventDefault();
      const p = user(e), k = e.deltaY > 0 ? 1.15 : 1 / 1.15;
      vb.x = p.x - (p.x - vb.x) * k; vb.y = p.y - (p.y - vb.y) * k;
      vb.width *= k; vb.height *= k;
    }, {passive: false});
    svg.addEventListener('mousedown', function (e) {
      drag = {x: e.clientX, y: e.clientY, vx: vb.x, vy: vb.y, s: svg.getScreenCTM().a};
      moved = false;
    });
    window.addEventListener('mousemove', function (e) {
      if (!drag) return;
      const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) moved = true;
      vb.x = drag.vx - dx / drag.s; vb.y = drag.vy - dy / drag.s;
    });
    window.addEventListener('mouseup', function () { drag = null; });
    svg.addEventListener('click', function (e) {
      if (moved) { moved = false; return; } // the end of a drag
      const g = e.target.closest('g.node');
      const title = g && g.querySelector('title');
      if (title && /^N[0-9]+$/.test(title.textContent)) go('f', exact(nodeName(g)));
    });
  }
})();
