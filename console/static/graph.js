// iamd console: the permissions graph. The server sends one level of the
// clustered graph at a time (/console/api/graph): closed clusters as single
// boxes, open ones followed by their members, edges counted between what
// is shown. Click a cluster to open or close it, a node to see its edges;
// drag to pan, scroll to zoom. Served from the binary under script-src
// 'self'; no framework.
"use strict";

(function () {
  var svg = document.getElementById("graph");
  if (!svg || document.body.getAttribute("data-page") !== "graph") return;
  function $(id) { return document.getElementById(id); }
  function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }
  var NS = "http://www.w3.org/2000/svg";
  var status = $("graph-status"), filter = $("graph-filter"), showPolicies = $("graph-policies");
  var columns = { user: 0, group: 1, role: 2, policy: 3, other: 4 };
  var W = 230, H = 24, GAP = 6, COLW = 330, INDENT = 12;
  var state = { open: null, focus: [], q: "", esc: false };
  var data = null, nodeEls = {}, edgeEls = [], views = 0, seq = 0;
  var view = { x: -20, y: -40, w: 1400, h: 800 }, placed = false;
  var marks = null; // what stays highlighted across views: {pairs, nodes, cls}

  function el(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  function setView() { svg.setAttribute("viewBox", [view.x, view.y, view.w, view.h].join(" ")); }
  function short(id) { return id.replace(/^arn:[^:]*:[^:]*::[0-9]*:/, ""); }

  function url() {
    var p = new URLSearchParams();
    if (state.open) {
      p.append("open", "");
      state.open.forEach(function (id) { p.append("open", id); });
    }
    state.focus.forEach(function (id) { p.append("focus", id); });
    if (state.q) p.set("q", state.q);
    if (state.esc) p.set("esc", "1");
    return "/console/api/graph?" + p.toString();
  }

  function getJSON(u) {
    return fetch(u, { credentials: "same-origin" }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) throw new Error((body.code ? body.code + ": " : "") + body.message);
        return body;
      });
    });
  }

  // load fetches the view the state asks for and draws it.
  function load() {
    var mine = ++seq;
    svg.setAttribute("aria-busy", "true");
    return getJSON(url()).then(function (body) {
      if (mine !== seq) return;
      data = body;
      state.open = body.open.slice();
      draw();
      svg.removeAttribute("aria-busy");
    }).catch(function (e) {
      svg.removeAttribute("aria-busy");
      status.textContent = "The graph could not be loaded: " + e.message;
      status.className = "error";
      status.id = "graph-error";
    });
  }

  function draw() {
    svg.textContent = "";
    nodeEls = {}; edgeEls = [];
    var pos = {}, rows = [0, 0, 0, 0, 0], withPolicies = showPolicies.checked;
    data.items.forEach(function (n) {
      if (n.column === "policy" && !withPolicies) return;
      var col = n.column in columns ? columns[n.column] : 4;
      var indent = Math.max(0, n.depth - 1) * INDENT;
      pos[n.id] = { x: col * COLW + indent, y: rows[col]++ * (H + GAP), w: W - indent };
    });
    ["Users", "Groups", "Roles", "Policies", "Outside the account"].forEach(function (t, i) {
      el("text", { x: i * COLW, y: -14, "class": "col-title" }, svg).textContent = t;
    });
    var edges = el("g", { "class": "edges" }, svg), nodes = el("g", { "class": "nodes" }, svg);
    data.edges.forEach(function (e) {
      var a = pos[e.from], b = pos[e.to];
      if (!a || !b) return;
      var x1 = a.x + a.w, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2;
      if (b.x <= a.x) { x1 = a.x; x2 = b.x + b.w; }
      var dx = Math.max(60, Math.abs(x2 - x1) / 2) * (x2 >= x1 ? 1 : -1);
      var width = 1.2 + Math.min(5, Math.log(e.n) / Math.LN2 * 0.8);
      var p = el("path", { d: "M" + x1 + "," + y1 + " C" + (x1 + dx) + "," + y1 + " " + (x2 - dx) + "," + y2 + " " + x2 + "," + y2,
        "class": "edge e-" + e.kind, "data-from": e.from, "data-to": e.to, "data-kind": e.kind, "data-n": e.n, "stroke-width": width.toFixed(1) }, edges);
      el("title", {}, p).textContent = (e.n > 1 ? e.n + " " + e.kind + " edges" : e.kind + (e.label ? ": " + e.label : "")) + (e.conditional ? " (conditional)" : "");
      edgeEls.push(p);
    });
    data.items.forEach(function (n) {
      var p = pos[n.id];
      if (!p) return;
      var cls = n.cluster ? "cluster" + (n.open ? " open" : "") : "node";
      var g = el("g", { "class": cls + " k-" + n.kind + (n.admin || n.admins ? " admin" : "") + (state.q && !n.hits ? " dim" : "") + (state.q && n.hits ? " match" : ""),
        transform: "translate(" + p.x + "," + p.y + ")", "data-id": n.id, "data-kind": n.kind }, nodes);
      if (n.cluster) { g.setAttribute("data-size", n.size); g.setAttribute("tabindex", "0"); g.setAttribute("role", "button"); }
      el("rect", { width: p.w, height: H }, g);
      var text = n.label;
      if (n.cluster) text = (n.open ? "▾ " : "▸ ") + text;
      var max = Math.floor((p.w - (n.cluster ? 60 : 16)) / 6.2);
      if (text.length > max) text = text.slice(0, max - 1) + "…";
      el("text", { x: 8, y: 16 }, g).textContent = (n.admin ? "★ " : "") + text;
      if (n.cluster) {
        el("text", { x: p.w - 8, y: 16, "class": "count" }, g).textContent = (n.admins ? "★" + n.admins + " " : "") + n.size;
      }
      el("title", {}, g).textContent = n.cluster
        ? n.label + ": " + n.size + " nodes" + (n.admins ? ", " + n.admins + " administrators" : "") + (n.open ? " (click to close)" : " (click to open)")
        : n.id + (n.path && n.path !== "/" ? " (path " + n.path + ")" : "") + (n.admin ? " (administrator)" : "");
      g.addEventListener("click", function (ev) {
        ev.stopPropagation();
        if (n.cluster) toggle(n); else focusNode(n.id);
      });
      g.addEventListener("keydown", function (ev) { if (ev.key === "Enter" && n.cluster) toggle(n); });
      nodeEls[n.id] = g;
    });
    if (!placed) {
      placed = true;
      var maxRows = Math.max.apply(null, rows);
      view = { x: -20, y: -40, w: 5 * COLW, h: Math.max(600, Math.min(maxRows, 40) * (H + GAP) + 60) };
    }
    setView();
    if (marks) applyMarks();
    views++;
    var clusters = data.items.filter(function (n) { return n.cluster && !n.open; }).length;
    status.textContent = data.nodes + " nodes in the account; " + clusters + " closed clusters, " +
      (data.items.length - data.items.filter(function (n) { return n.cluster; }).length) + " nodes and " + data.edges.length + " edges shown" +
      (state.q ? "; " + data.matches + " match “" + state.q + "”" : "") + (data.escalations ? "" : "; escalation edges loading…");
    // The browser's own clock of each view: marked on the frame after it
    // was drawn (painted, its handlers live), from the navigation's start.
    var drawn = views;
    requestAnimationFrame(function () { performance.mark("iamd-graph-view-" + drawn); });
    svg.setAttribute("data-view", String(views));
    svg.setAttribute("data-ready", "true");
    if (data.escalations) svg.setAttribute("data-escalations", "true");
  }

  function toggle(n) {
    performance.mark("iamd-graph-toggle");
    var i = state.open.indexOf(n.id);
    if (i >= 0) {
      // Closing a cluster closes what is open inside it.
      state.open = state.open.filter(function (id) { return id !== n.id && id.indexOf(n.id + "/") !== 0; });
    } else {
      state.open.push(n.id);
    }
    load();
  }

  function clearMarks() {
    $all(".hot, .esc-path, .hl, .dim:not(.keepdim)", svg).forEach(function (e) {
      e.classList.remove("hot", "esc-path", "hl");
      if (!state.q || !e.classList.contains("node") && !e.classList.contains("cluster")) e.classList.remove("dim");
    });
    $all("#escalations li.active, #query-results li.active").forEach(function (li) { li.classList.remove("active"); });
  }

  function focusNode(id) {
    marks = { node: id }; // kept across views, as the other marks are
    clearMarks();
    var keep = {}; keep[id] = true;
    edgeEls.forEach(function (p) {
      var f = p.getAttribute("data-from"), t = p.getAttribute("data-to");
      if (f === id || t === id) { p.classList.add("hot"); keep[f] = keep[t] = true; } else p.classList.add("dim");
    });
    for (var k in nodeEls) if (!keep[k]) nodeEls[k].classList.add("dim");
    status.textContent = id;
  }

  // applyMarks draws the marked pairs (edges between two shown nodes) and
  // nodes with the marks' class, and dims the rest.
  function applyMarks() {
    if (marks.node) { focusNode(marks.node); return; }
    clearMarks();
    if (marks.li) marks.li.classList.add("active");
    var on = {}, keep = {};
    marks.pairs.forEach(function (pr) { on[pr[0] + " " + pr[1]] = true; });
    marks.nodes.forEach(function (id) { keep[id] = true; });
    edgeEls.forEach(function (p) {
      var f = p.getAttribute("data-from"), t = p.getAttribute("data-to");
      if (on[f + " " + t]) { p.classList.add(marks.cls); keep[f] = keep[t] = true; } else p.classList.add("dim");
    });
    for (var k in nodeEls) { if (keep[k]) nodeEls[k].classList.add(marks.cls); else nodeEls[k].classList.add("dim"); }
  }

  // mark highlights pairs and nodes now, and again once the view shows
  // every node they name (their clusters opened).
  function mark(pairs, nodes, cls, li, text) {
    marks = { pairs: pairs, nodes: nodes, cls: cls, li: li };
    applyMarks();
    var want = nodes.slice();
    pairs.forEach(function (pr) { want.push(pr[0], pr[1]); });
    var missing = want.filter(function (id) { return !nodeEls[id]; });
    var after = function () { if (text) status.textContent = text; };
    // The marked nodes stay shown (on their own beside their clusters)
    // until the marks are cleared.
    state.focus = want;
    if (missing.length) load().then(after); else after();
  }

  function escalationPairs(esc) {
    return esc.steps.filter(function (s) { return s.from && s.to; }).map(function (s) { return [s.from, s.to]; });
  }

  function listEscalations(body) {
    var ol = $("escalations");
    $("esc-count").textContent = body.total > body.escalations.length ? body.escalations.length + " of " + body.total : String(body.total);
    if (!body.escalations.length) return;
    ol.textContent = "";
    body.escalations.forEach(function (esc) {
      var li = document.createElement("li");
      li.className = "escalation";
      li.setAttribute("data-principal", esc.principal);
      var b = document.createElement("strong");
      b.textContent = short(esc.principal) + " → " + short(esc.reaches);
      li.appendChild(b);
      var steps = document.createElement("ol");
      steps.className = "steps";
      esc.steps.forEach(function (s) {
        var st = document.createElement("li");
        st.textContent = s.kind + (s.detail ? " (" + s.detail + ")" : "") + (s.from ? ": " + short(s.from) + " → " + short(s.to) : "");
        steps.appendChild(st);
      });
      li.appendChild(steps);
      li.addEventListener("click", function () {
        var nodes = [esc.principal];
        if (nodeEls[esc.reaches] || esc.reaches === "ADMIN") nodes.push(esc.reaches);
        mark(escalationPairs(esc), nodes, "esc-path", li, short(esc.principal) + " → " + short(esc.reaches));
      });
      ol.appendChild(li);
    });
  }

  // The who-can / what-can / path form.
  var form = $("graph-query");
  function showFields() {
    var mode = $("query-mode").value;
    $all("#graph-query [data-mode]").forEach(function (l) { l.hidden = l.getAttribute("data-mode").split(" ").indexOf(mode) < 0; });
  }
  if (form) {
    $("query-mode").addEventListener("change", showFields);
    showFields();
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var p = new URLSearchParams();
      var mode = $("query-mode").value;
      p.set("mode", mode);
      $all("#graph-query [data-mode]").forEach(function (l) {
        if (l.hidden) return;
        var input = l.querySelector("input");
        p.set(input.name, input.value.trim());
      });
      var out = $("query-results"), head = $("query-title");
      out.textContent = "";
      head.hidden = false;
      head.textContent = "Asking…";
      head.className = "";
      getJSON("/console/api/graph/query?" + p.toString()).then(function (body) {
        head.textContent = body.title + ": " + (body.total > body.results.length ? body.results.length + " of " + body.total : body.total);
        var all = [], nodes = [];
        body.results.forEach(function (res) {
          var li = document.createElement("li");
          li.className = "query-result" + (res.conditional ? " conditional" : "");
          li.setAttribute("data-principal", res.principal);
          var b = document.createElement("strong");
          b.textContent = short(res.principal) + (res.conditional ? " (if conditions hold)" : "");
          li.appendChild(b);
          var steps = document.createElement("ol");
          steps.className = "steps";
          res.steps.forEach(function (s) { var st = document.createElement("li"); st.textContent = s.text; steps.appendChild(st); });
          li.appendChild(steps);
          li.addEventListener("click", function () {
            mark(res.pairs, mode === "who-can" ? [res.principal] : [], "hl", li, short(res.principal));
          });
          out.appendChild(li);
          all = all.concat(res.pairs);
          if (mode === "who-can") nodes.push(res.principal);
        });
        if (!body.results.length) {
          var none = document.createElement("li");
          none.className = "empty";
          none.textContent = "No one.";
          out.appendChild(none);
          return;
        }
        if (body.subject) nodes.push(body.subject);
        mark(all, nodes, "hl", null, body.title);
      }).catch(function (err) {
        head.textContent = err.message;
        head.className = "error";
      });
    });
  }

  // Pan and zoom.
  var drag = null;
  svg.addEventListener("mousedown", function (e) { drag = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y, moved: false }; svg.classList.add("dragging"); });
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
  svg.addEventListener("click", function () { marks = null; state.focus = []; clearMarks(); });

  var ft = null;
  filter.addEventListener("input", function () {
    clearTimeout(ft);
    ft = setTimeout(function () { state.q = filter.value.trim(); marks = null; state.focus = []; load(); }, 250);
  });
  showPolicies.addEventListener("change", draw);

  load().then(function () {
    if (!data) return;
    return getJSON("/console/api/graph/escalations").then(function (body) {
      listEscalations(body);
      state.esc = true;
      return load();
    });
  }).catch(function (e) { status.textContent = "The escalation paths could not be loaded: " + e.message; });
})();
