// iamd console: the little interactivity the pages need. Served from the
// binary under script-src 'self'; no inline script, no framework.
"use strict";

(function () {
  function $(sel, root) { return (root || document).querySelector(sel); }
  function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  // Forms that ask before they act (delete).
  $all("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (e) {
      if (!window.confirm(f.getAttribute("data-confirm"))) e.preventDefault();
    });
  });

  // Sign-in: the IAM user's fields or the root user's.
  var kindIAM = $("#kind-iam"), kindRoot = $("#kind-root");
  function showKind() {
    var root = kindRoot && kindRoot.checked;
    $all(".for-iam").forEach(function (el) { el.hidden = root; });
    $all(".for-root").forEach(function (el) { el.hidden = !root; });
  }
  if (kindIAM && kindRoot) {
    kindIAM.addEventListener("change", showKind);
    kindRoot.addEventListener("change", showKind);
    showKind();
  }

  // A new access key's CSV, built in the page: the secret is never sent
  // to the server again nor put in a URL the server sees.
  var dl = $("#download-key");
  if (dl) {
    dl.addEventListener("click", function () {
      var blob = new Blob([dl.getAttribute("data-csv")], { type: "text/csv" });
      var a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = dl.getAttribute("data-filename") || "accessKeys.csv";
      document.body.appendChild(a);
      a.click();
      setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
    });
  }

  // Sortable tables: click a header to sort by its column.
  $all("table.sortable").forEach(function (table) {
    $all("thead th", table).forEach(function (th, col) {
      th.tabIndex = 0;
      th.addEventListener("click", function () {
        var body = table.tBodies[0];
        var asc = th.getAttribute("aria-sort") !== "ascending";
        $all("thead th", table).forEach(function (o) { o.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[col].textContent, y = b.cells[col].textContent;
          return asc ? x.localeCompare(y) : y.localeCompare(x);
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });

  // The policy editor: line numbers, and the validator's findings as you type.
  var doc = $("#document"), gutter = $("#gutter"), findings = $("#findings");
  if (doc && gutter && findings && document.body.getAttribute("data-page") === "editor") {
    var csrf = $("#csrf").value, kind = $("#kind"), timer = null, seq = 0;
    var marked = {};
    function renderGutter() {
      var n = doc.value.split("\n").length, out = [];
      var known = { error: true, warning: true, info: true };
      for (var i = 1; i <= n; i++) out.push(marked[i] ? "<b class=\"" + (known[marked[i]] ? marked[i] : "info") + "\">" + i + "</b>" : String(i));
      gutter.innerHTML = out.join("\n");
      gutter.scrollTop = doc.scrollTop;
    }
    function show(list) {
      marked = {};
      findings.textContent = "";
      if (!list.length) {
        var p = document.createElement("p");
        p.className = "empty ok";
        p.textContent = "No findings.";
        findings.appendChild(p);
      }
      var ul = document.createElement("ul");
      list.forEach(function (f) {
        var li = document.createElement("li");
        li.className = "finding " + f.severity;
        li.setAttribute("data-line", f.line);
        li.setAttribute("data-column", f.column);
        var where = document.createElement("a");
        where.href = "#";
        where.className = "where";
        where.textContent = "Line " + f.line + ", column " + f.column;
        where.addEventListener("click", function (e) { e.preventDefault(); goTo(f.line, f.column); });
        li.appendChild(where);
        li.appendChild(document.createTextNode(" " + f.severity + (f.code ? " " + f.code : "") + ": " + f.message + (f.fix ? " — " + f.fix : "")));
        ul.appendChild(li);
        if (!marked[f.line] || f.severity === "error") marked[f.line] = f.severity;
      });
      if (list.length) findings.appendChild(ul);
      renderGutter();
    }
    function goTo(line, column) {
      var lines = doc.value.split("\n"), off = 0;
      for (var i = 0; i < line - 1 && i < lines.length; i++) off += lines[i].length + 1;
      off += Math.max(0, column - 1);
      doc.focus();
      doc.setSelectionRange(off, off);
    }
    function check() {
      var mine = ++seq;
      fetch("/console/api/validate", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify({ document: doc.value, kind: kind.value })
      }).then(function (r) { return r.json(); }).then(function (body) {
        if (mine === seq) show(body.findings || []);
      }).catch(function () {});
    }
    function changed() {
      renderGutter();
      clearTimeout(timer);
      timer = setTimeout(check, 250);
    }
    doc.addEventListener("input", changed);
    doc.addEventListener("scroll", function () { gutter.scrollTop = doc.scrollTop; });
    kind.addEventListener("change", check);
    renderGutter();
    check();
  }

  // The simulator: principal or pasted policy, and the catalogue's actions.
  var modeP = $("#mode-principal"), modeC = $("#mode-custom");
  if (modeP && modeC) {
    var showMode = function () {
      $all(".for-principal").forEach(function (el) { el.hidden = modeC.checked; });
      $all(".for-custom").forEach(function (el) { el.hidden = !modeC.checked; });
    };
    modeP.addEventListener("change", showMode);
    modeC.addEventListener("change", showMode);
    showMode();
    var search = $("#action-search"), list = $("#action-list"), acts = $("#sim-actions"), t = null;
    search.addEventListener("input", function () {
      clearTimeout(t);
      t = setTimeout(function () {
        fetch("/console/api/actions?q=" + encodeURIComponent(search.value), { credentials: "same-origin" })
          .then(function (r) { return r.json(); }).then(function (body) {
            list.textContent = "";
            (body.actions || []).forEach(function (a) { var o = document.createElement("option"); o.value = a; list.appendChild(o); });
          }).catch(function () {});
      }, 150);
    });
    $("#action-add").addEventListener("click", function () {
      var v = search.value.trim();
      if (!v) return;
      acts.value = (acts.value.trim() ? acts.value.trim() + "\n" : "") + v;
      search.value = "";
    });
  }

  // The permissions graph: columns by kind (users, groups, roles,
  // policies, the rest), edges as curves, pan and zoom on the viewBox.
  var svg = $("#graph");
  if (svg && document.body.getAttribute("data-page") === "graph") {
    var NS = "http://www.w3.org/2000/svg";
    var status = $("#graph-status"), filter = $("#graph-filter"), showPolicies = $("#graph-policies");
    var columns = { user: 0, group: 1, role: 2, policy: 3 };
    var W = 210, H = 24, GAP = 8, COLW = 320;
    var data = null, nodeEls = {}, edgeEls = [], pos = {};
    var view = { x: -20, y: -40, w: 1400, h: 800 };
    function el(name, attrs, parent) {
      var e = document.createElementNS(NS, name);
      for (var k in attrs) e.setAttribute(k, attrs[k]);
      if (parent) parent.appendChild(e);
      return e;
    }
    function setView() { svg.setAttribute("viewBox", [view.x, view.y, view.w, view.h].join(" ")); }
    function draw() {
      svg.textContent = "";
      nodeEls = {}; edgeEls = []; pos = {};
      var withPolicies = showPolicies.checked;
      var rows = [0, 0, 0, 0, 0];
      data.nodes.forEach(function (n) {
        if (n.kind === "policy" && !withPolicies) return;
        var col = n.kind in columns ? columns[n.kind] : 4;
        pos[n.id] = { x: col * COLW, y: rows[col]++ * (H + GAP) };
      });
      ["Users", "Groups", "Roles", "Policies", "Services, accounts, admin"].forEach(function (t, i) {
        var h = el("text", { x: i * COLW, y: -14, "class": "col-title" }, svg);
        h.textContent = t;
      });
      var edges = el("g", { "class": "edges" }, svg), nodes = el("g", { "class": "nodes" }, svg);
      data.edges.forEach(function (e, i) {
        var a = pos[e.from], b = pos[e.to];
        if (!a || !b) return;
        var x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2;
        if (b.x <= a.x) { x1 = a.x; x2 = b.x + W; }
        var dx = Math.max(60, Math.abs(x2 - x1) / 2) * (x2 >= x1 ? 1 : -1);
        var p = el("path", { d: "M" + x1 + "," + y1 + " C" + (x1 + dx) + "," + y1 + " " + (x2 - dx) + "," + y2 + " " + x2 + "," + y2,
          "class": "edge e-" + e.kind, "data-from": e.from, "data-to": e.to, "data-kind": e.kind }, edges);
        var t = el("title", {}, p);
        t.textContent = e.kind + (e.label ? ": " + e.label : "") + (e.conditional ? " (conditional)" : "");
        edgeEls.push(p);
      });
      data.nodes.forEach(function (n) {
        var p = pos[n.id];
        if (!p) return;
        var g = el("g", { "class": "node k-" + n.kind + (n.admin ? " admin" : ""), transform: "translate(" + p.x + "," + p.y + ")", "data-id": n.id, "data-kind": n.kind }, nodes);
        el("rect", { width: W, height: H }, g);
        var t = el("text", { x: 8, y: 16 }, g);
        t.textContent = (n.admin ? "★ " : "") + (n.label.length > 32 ? n.label.slice(0, 31) + "…" : n.label);
        var title = el("title", {}, g);
        title.textContent = n.id + (n.admin ? " (administrator)" : "");
        g.addEventListener("click", function (ev) { ev.stopPropagation(); focus(n.id); });
        nodeEls[n.id] = g;
      });
      var maxRows = Math.max.apply(null, rows);
      view = { x: -20, y: -40, w: 5 * COLW, h: Math.max(600, Math.min(maxRows, 40) * (H + GAP) + 60) };
      setView();
      applyFilter();
    }
    function clearMarks() {
      $all(".hot, .esc-path, .dim", svg).forEach(function (e) { e.classList.remove("hot", "esc-path", "dim"); });
      $all("#escalations li.active").forEach(function (li) { li.classList.remove("active"); });
    }
    function focus(id) {
      clearMarks();
      var keep = {}; keep[id] = true;
      edgeEls.forEach(function (p) {
        var f = p.getAttribute("data-from"), t = p.getAttribute("data-to");
        if (f === id || t === id) { p.classList.add("hot"); keep[f] = keep[t] = true; } else p.classList.add("dim");
      });
      for (var k in nodeEls) if (!keep[k]) nodeEls[k].classList.add("dim");
      status.textContent = id;
    }
    function showPath(esc, li) {
      clearMarks();
      li.classList.add("active");
      var on = {};
      esc.steps.forEach(function (st) { on[st.from + " " + st.to] = true; });
      var keep = {};
      edgeEls.forEach(function (p) {
        var key = p.getAttribute("data-from") + " " + p.getAttribute("data-to");
        if (on[key]) { p.classList.add("esc-path"); keep[p.getAttribute("data-from")] = keep[p.getAttribute("data-to")] = true; } else p.classList.add("dim");
      });
      for (var k in nodeEls) { if (keep[k]) nodeEls[k].classList.add("esc-path"); else nodeEls[k].classList.add("dim"); }
      status.textContent = esc.principal + " → " + esc.reaches;
    }
    function applyFilter() {
      var q = filter.value.trim().toLowerCase();
      clearMarks();
      if (!q) return;
      for (var k in nodeEls) if (k.toLowerCase().indexOf(q) < 0) nodeEls[k].classList.add("dim");
      edgeEls.forEach(function (p) { p.classList.add("dim"); });
    }
    function listEscalations() {
      var ol = $("#escalations");
      if (!data.escalations.length) return;
      ol.textContent = "";
      data.escalations.forEach(function (esc) {
        var li = document.createElement("li");
        li.className = "escalation";
        li.setAttribute("data-principal", esc.principal);
        var b = document.createElement("strong");
        b.textContent = esc.principal.replace(/^.*:/, "") + " → " + esc.reaches.replace(/^.*:/, "");
        li.appendChild(b);
        var steps = document.createElement("div");
        steps.className = "steps";
        steps.textContent = esc.steps.map(function (s) { return s.kind + (s.detail ? " (" + s.detail + ")" : ""); }).join(" → ");
        li.appendChild(steps);
        li.addEventListener("click", function () { showPath(esc, li); });
        ol.appendChild(li);
      });
    }
    // Pan and zoom.
    var drag = null;
    svg.addEventListener("mousedown", function (e) { drag = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y }; svg.classList.add("dragging"); });
    window.addEventListener("mouseup", function () { drag = null; svg.classList.remove("dragging"); });
    window.addEventListener("mousemove", function (e) {
      if (!drag) return;
      var s = view.w / svg.clientWidth;
      view.x = drag.vx - (e.clientX - drag.x) * s;
      view.y = drag.vy - (e.clientY - drag.y) * s;
      setView();
    });
    svg.addEventListener("wheel", function (e) {
      e.preventDefault();
      var f = e.deltaY > 0 ? 1.15 : 1 / 1.15, r = svg.getBoundingClientRect();
      var mx = view.x + (e.clientX - r.left) / r.width * view.w, my = view.y + (e.clientY - r.top) / r.height * view.h;
      view.w *= f; view.h *= f;
      view.x = mx - (mx - view.x) * f; view.y = my - (my - view.y) * f;
      setView();
    }, { passive: false });
    svg.addEventListener("click", function () { clearMarks(); status.textContent = ""; });
    filter.addEventListener("input", applyFilter);
    showPolicies.addEventListener("change", draw);
    fetch("/console/api/graph", { credentials: "same-origin" }).then(function (r) {
      return r.json().then(function (body) { return { ok: r.ok, body: body }; });
    }).then(function (res) {
      if (!res.ok) {
        status.textContent = (res.body.code ? res.body.code + ": " : "") + res.body.message;
        status.className = "error";
        status.id = "graph-error";
        return;
      }
      data = res.body;
      draw();
      listEscalations();
      status.textContent = data.nodes.length + " nodes, " + data.edges.length + " edges, " + data.escalations.length + " escalation paths";
      svg.setAttribute("data-ready", "true");
    }).catch(function (e) { status.textContent = "The graph could not be loaded: " + e; });
  }
})();
