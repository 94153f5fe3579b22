// Chancery report editor: live preview and citation picker (progressive enhancement).
// Without this script the editor still works: "Preview" posts the form, and the
// "Citation codes" link opens the list of codes to copy.
(function () {
  "use strict";

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, ms);
    };
  }

  function insertAtCursor(area, text) {
    var start = area.selectionStart, end = area.selectionEnd;
    area.value = area.value.slice(0, start) + text + area.value.slice(end);
    area.selectionStart = area.selectionEnd = start + text.length;
    area.focus();
    area.dispatchEvent(new Event("input"));
  }

  function livePreview(form, area) {
    var csrf = form.querySelector("input[name=csrf]");
    var box = document.createElement("div");
    box.className = "live-preview prose";
    box.setAttribute("aria-live", "polite");
    var title = document.createElement("h3");
    title.textContent = "Live preview (not saved)";
    var content = document.createElement("div");
    content.className = "live-preview-body";
    box.appendChild(title);
    box.appendChild(content);
    area.parentNode.insertBefore(box, area.nextSibling);
    var seq = 0;
    var refresh = function () {
      var mine = ++seq;
      var body = new URLSearchParams();
      body.set("csrf", csrf ? csrf.value : "");
      body.set("body", area.value);
      fetch("/preview", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: body.toString()
      }).then(function (r) {
        return r.ok ? r.text() : Promise.reject(r.status);
      }).then(function (html) {
        // The server renders and sanitises (ammonia); the CSP forbids inline script anyway.
        if (mine === seq) { content.innerHTML = html; }
      }).catch(function () {
        if (mine === seq) { content.textContent = "(preview unavailable)"; }
      });
    };
    area.addEventListener("input", debounce(refresh, 250));
    // Render once the editor is open (not for every closed editor on the page).
    var details = form.closest("details");
    if (!details || details.open) {
      refresh();
    } else {
      details.addEventListener("toggle", function once() {
        if (details.open) {
          details.removeEventListener("toggle", once);
          refresh();
        }
      });
    }
  }

  function citationPicker(link, area) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "picker-open";
    button.textContent = "Cite a source";
    var panel = document.createElement("div");
    panel.className = "picker card";
    panel.hidden = true;
    link.parentNode.insertBefore(button, link);
    link.parentNode.insertBefore(panel, link.nextSibling);
    var loaded = false;
    button.addEventListener("click", function () {
      panel.hidden = !panel.hidden;
      if (loaded || panel.hidden) { return; }
      loaded = true;
      panel.textContent = "Loading…";
      fetch(link.getAttribute("href"), { credentials: "same-origin" })
        .then(function (r) { return r.text(); })
        .then(function (text) {
          var doc = new DOMParser().parseFromString(text, "text/html");
          var rows = doc.querySelectorAll("#picker tbody tr");
          panel.textContent = "";
          var list = document.createElement("ul");
          list.className = "picker-list";
          rows.forEach(function (row) {
            var cells = row.querySelectorAll("td");
            var code = row.getAttribute("data-code");
            var item = document.createElement("li");
            var pick = document.createElement("button");
            pick.type = "button";
            pick.className = "picker-item";
            pick.setAttribute("data-code", code);
            pick.textContent = code + " " + cells[1].textContent + " · " + cells[2].textContent;
            pick.addEventListener("click", function () {
              insertAtCursor(area, code);
              panel.hidden = true;
            });
            item.appendChild(pick);
            list.appendChild(item);
          });
          if (!rows.length) { panel.textContent = "No sources are visible to you."; }
          panel.appendChild(list);
        })
        .catch(function () { panel.textContent = "The sources could not be loaded."; });
    });
  }

  document.querySelectorAll("form[action*='/sections/']").forEach(function (form) {
    var area = form.querySelector("textarea[name=body]");
    if (!area) { return; }
    livePreview(form, area);
    var link = form.querySelector("a.picker-link");
    if (link) { citationPicker(link, area); }
  });
})();
