(function () {
  'use strict';
  var each = function (list, f) { Array.prototype.forEach.call(list, f); };
  // Tracing a principal: every element of its paths carries its class (data-p).
  var pinned = null;
  function mark(cls, on) {
    each(document.getElementsByClassName(cls), function (el) { el.classList.toggle('hl', on); });
  }
  function trace(cls) {
    document.body.classList.toggle('tracing', cls !== null);
  }
  each(document.querySelectorAll('.pnode'), function (node) {
    var cls = node.getAttribute('data-p');
    node.addEventListener('focus', function () { mark(cls, true); trace(cls); });
    node.addEventListener('blur', function () {
      if (pinned !== cls) { mark(cls, false); if (pinned !== null) { mark(pinned, true); } trace(pinned); }
    });
    function unpin() {
      if (pinned === null) { return; }
      mark(pinned, false);
      each(document.querySelectorAll('.pnode[aria-pressed=true]'), function (n) { n.setAttribute('aria-pressed', 'false'); });
      pinned = null;
    }
    function toggle() {
      var was = pinned;
      unpin();
      if (was !== cls) {
        pinned = cls;
        mark(pinned, true);
        each(document.querySelectorAll('.pnode.' + pinned), function (n) {
          n.setAttribute('aria-pressed', 'true');
          var band = n.closest('details');
          if (band) { band.open = true; }
        });
      }
      trace(pinned);
    }
    node.addEventListener('click', toggle);
    node.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); toggle(); }
      if (e.key === 'Escape') { unpin(); mark(cls, true); trace(cls); }
    });
  });
  // Sortable tables: a button in each header cell; data-sort holds a cell's key.
  function key(cell) {
    var k = cell.getAttribute('data-sort');
    if (k !== null && k !== '' && !isNaN(Number(k))) { return Number(k); }
    return (k !== null ? k : cell.textContent).toLowerCase();
  }
  each(document.querySelectorAll('table.sortable'), function (table) {
    var heads = table.tHead.rows[0].cells;
    each(heads, function (th, i) {
      var button = th.querySelector('button');
      if (!button) { return; }
      button.addEventListener('click', function () {
        var ascending = th.getAttribute('aria-sort') !== 'ascending';
        each(heads, function (other) { other.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = key(a.cells[i]), y = key(b.cells[i]);
          return (x < y ? -1 : x > y ? 1 : 0) * (ascending ? 1 : -1);
        });
        each(rows, function (r) { body.appendChild(r); });
      });
    });
  });
  // Filters: an input names its table; rows whose text lacks the query are hidden.
  each(document.querySelectorAll('input[data-filter]'), function (input) {
    var table = document.getElementById(input.getAttribute('data-filter'));
    var count = document.getElementById(input.getAttribute('data-count'));
    input.addEventListener('input', function () {
      var query = input.value.trim().toLowerCase();
      var shown = 0;
      each(table.tBodies[0].rows, function (row) {
        var hit = query === '' || row.textContent.toLowerCase().indexOf(query) >= 0;
        row.hidden = !hit;
        if (hit) { shown += 1; }
      });
      if (count) { count.textContent = shown + ' of ' + table.tBodies[0].rows.length + ' rows'; }
    });
  });
  // A link to a folded section (a fleet's cluster) opens it.
  function openTarget() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    var target = id ? document.getElementById(id) : null;
    if (target && target.tagName === 'DETAILS') { target.open = true; }
  }
  window.addEventListener('hashchange', openTarget);
  openTarget();
  // Printed (to PDF for an audit file): every folded group open.
  window.addEventListener('beforeprint', function () {
    each(document.querySelectorAll('details'), function (d) { d.open = true; });
  });
  document.documentElement.setAttribute('data-ready', '1');
  if (window.performance && performance.mark) { performance.mark('report-ready'); }
}());
