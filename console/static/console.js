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
})();
