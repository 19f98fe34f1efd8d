// mockscim's dashboard: live updates and the forms that call the control API.
//
// Plain JavaScript, no library and no network beyond this sandbox. The pages are rendered (and
// escaped) by the server; this script only moves nodes the server rendered and writes messages
// with textContent. Every change is a fetch of the control API, so a form is checked by the
// control API's own rules and shows its error message.
"use strict";

(function () {
  var body = document.body;
  var controlBase = body.dataset.control;
  var tokenMeta = document.querySelector('meta[name="mockscim-control-token"]');
  var POLL_MS = 1000;

  // -- the control API --------------------------------------------------------------------------

  function callControl(method, path, payload) {
    var headers = { "Accept": "application/json" };
    if (payload !== undefined) headers["Content-Type"] = "application/json";
    if (tokenMeta) headers[body.dataset.tokenHeader] = tokenMeta.content;
    return fetch(controlBase + path, {
      method: method,
      headers: headers,
      body: payload === undefined ? undefined : JSON.stringify(payload),
      credentials: "same-origin",
      cache: "no-store",
    }).then(function (reply) {
      if (reply.ok) return reply.status === 204 ? null : reply.json();
      return reply.text().then(function (text) {
        var message = "The control API answered " + reply.status;
        try {
          var error = JSON.parse(text).errors[0];
          message = error.message + " (" + error.code + ")";
        } catch (ignored) { /* not the envelope: keep the status */ }
        throw new Error(message);
      });
    });
  }

  function show(id, text) {
    var node = document.getElementById(id);
    if (!node) return;
    node.textContent = text;
    node.hidden = !text;
  }

  // A form field's value as the control API takes it: numbers as numbers (so that "abc" reaches
  // the control API as a string, and its message says what is wrong).
  function valueOf(input) {
    var text = input.value.trim();
    if (input.hasAttribute("data-number") && /^-?\d+(\.\d+)?$/.test(text)) return Number(text);
    return text;
  }

  // A message says what the last submit did: it goes once the form changes (a field typed in, a
  // kind chosen). A form's messages are the .error and .message inside it, and the ids its
  // data-messages names (a message shared with buttons beside it, as the clock's).
  function clearOnChange(form) {
    var shared = (form.getAttribute("data-messages") || "").split(" ").filter(Boolean);
    function clear() {
      form.querySelectorAll(".error, .message").forEach(function (node) {
        node.textContent = "";
        node.hidden = true;
      });
      shared.forEach(function (id) { show(id, ""); });
      form.querySelectorAll("[aria-invalid]").forEach(function (input) {
        input.removeAttribute("aria-invalid");
      });
    }
    form.addEventListener("input", clear);
    form.addEventListener("change", clear);
  }
  document.querySelectorAll("form").forEach(clearOnChange);

  function act(promise, errorId, messageId, done) {
    show(errorId, "");
    return promise.then(function (answer) {
      if (messageId) show(messageId, done(answer));
      refreshLive(true);
    }, function (error) {
      show(errorId || messageId, error.message);
    });
  }

  // -- scenarios ------------------------------------------------------------------------------

  var scenarioForm = document.getElementById("scenario-form");
  function syncKind() {
    var kind = scenarioForm.elements.kind.value;
    scenarioForm.querySelectorAll("[data-kinds]").forEach(function (field) {
      var applies = field.getAttribute("data-kinds").split(" ").indexOf(kind) >= 0;
      field.hidden = !applies;
      field.querySelectorAll("input, select").forEach(function (input) { input.disabled = !applies; });
    });
  }
  if (scenarioForm) {
    scenarioForm.elements.kind.addEventListener("change", syncKind);
    syncKind();
    scenarioForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var spec = {};
      Array.prototype.forEach.call(scenarioForm.elements, function (input) {
        if (!input.name || input.disabled) return;
        var value = valueOf(input);
        if (value !== "") spec[input.name] = value;
      });
      act(callControl("POST", "/scenarios", spec), "scenario-error", "scenario-message",
        function (answer) {
          var added = answer.scenarios[0];
          scenarioForm.reset();
          syncKind();
          return "Added scenario " + added.id + " (" + added.kind + ").";
        });
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button) return;
    var sid = button.getAttribute("data-remove");
    var action = button.getAttribute("data-action");
    if (sid) {
      act(callControl("DELETE", "/scenarios/" + encodeURIComponent(sid)), null, "list-message",
        function () { return "Removed scenario " + sid + "."; });
    } else if (action === "clear-scenarios") {
      act(callControl("DELETE", "/scenarios"), null, "list-message",
        function () { return "Removed every scenario."; });
    } else if (action === "wall-time") {
      act(callControl("POST", "/clock", { now: null }), null, "clock-message",
        function (state) { return "Back to wall time: " + state.now + "."; });
    } else if (action === "reset") {
      if (!window.confirm(button.getAttribute("data-confirm"))) return;
      act(callControl("POST", "/reset"), null, "reset-message",
        function () { return "The tenant was reset."; });
    } else if (button.id === "live-toggle") {
      var on = button.getAttribute("aria-pressed") !== "true";
      button.setAttribute("aria-pressed", String(on));
      button.textContent = on ? "Live updates on" : "Live updates paused";
    }
  });

  // -- the clock ------------------------------------------------------------------------------

  function clockForm(id, errorId, build) {
    var form = document.getElementById(id);
    if (!form) return;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      act(callControl("POST", "/clock", build(form)), errorId, "clock-message",
        function (state) { return "The clock reads " + state.now + (state.frozen ? ", frozen." : "."); });
    });
  }
  clockForm("freeze-form", "freeze-error", function (form) { return { now: valueOf(form.elements.now) }; });
  clockForm("advance-form", "advance-error", function (form) {
    return { advance: valueOf(form.elements.advance) };
  });

  // -- live updates ---------------------------------------------------------------------------

  function fetchPage(url) {
    return fetch(url, { credentials: "same-origin", cache: "no-store" }).then(function (reply) {
      if (!reply.ok) throw new Error("status " + reply.status);
      return reply.text();
    }).then(function (html) {
      return new DOMParser().parseFromString(html, "text/html");
    });
  }

  // Regions marked data-live are replaced by the same region of the page fetched again. The
  // timer leaves a region alone while the keyboard is inside it; after an action (``now``) the
  // region is replaced anyway and the focus moves to the region itself.
  function refreshLive(now) {
    var regions = document.querySelectorAll("[data-live]");
    if (!regions.length) return Promise.resolve();
    return fetchPage(window.location.href).then(function (page) {
      regions.forEach(function (region) {
        var fresh = page.getElementById(region.id);
        var focused = region.contains(document.activeElement);
        if (!fresh || (focused && !now) || region.innerHTML === fresh.innerHTML) return;
        region.replaceChildren.apply(region, Array.from(fresh.childNodes));
        if (focused) {
          region.setAttribute("tabindex", "-1");
          region.focus();
        }
      });
    }, function () { /* the sandbox stopped: try again later */ });
  }

  // The journal: ask for what came after the newest entry shown, and put it on top.
  var journal = document.getElementById("journal-entries");
  var toggle = document.getElementById("live-toggle");
  function pollJournal() {
    if (toggle && toggle.getAttribute("aria-pressed") !== "true") return Promise.resolve();
    var url = journal.dataset.poll;
    url += (url.indexOf("?") >= 0 ? "&" : "?") + "after=" + encodeURIComponent(journal.dataset.after);
    return fetchPage(url).then(function (page) {
      var fresh = page.getElementById("journal-entries");
      if (!fresh) return;
      var items = Array.from(fresh.children);
      if (items.length) {
        var batch = document.createDocumentFragment();
        items.forEach(function (item) { batch.appendChild(item); });
        journal.prepend(batch);
        var empty = document.getElementById("journal-empty");
        if (empty) empty.remove();
        show("live-status", items.length + " new request" + (items.length === 1 ? "" : "s") + ".");
      }
      journal.dataset.after = fresh.dataset.after;
    }, function () { /* the sandbox stopped: try again later */ });
  }

  var busy = false;
  function tick() {
    if (document.hidden || busy) return;
    busy = true;
    function done() { busy = false; }
    Promise.all([journal ? pollJournal() : null, refreshLive()]).then(done, done);
  }
  if (journal || document.querySelector("[data-live]")) window.setInterval(tick, POLL_MS);
})();
