/* Session expiry without losing what was typed (chengjiang/drafts.py).
 * 1. A draft kept when a form was posted after the session expired is put back into the
 *    page's form after login (the server hands it over once, as JSON in #kept-draft).
 * 2. Two minutes before the idle timeout (counted from this page's load, the last request),
 *    a notice asks to save now. */
(function () {
  "use strict";
  var notices = document.getElementById("session-notices");
  if (!notices) { return; }
  var main = document.getElementById("main") || document.body;

  function notice(text, kind) {
    var div = document.createElement("div");
    div.className = "alert alert-" + kind;
    div.setAttribute("role", "alert");
    div.textContent = text;
    main.insertBefore(div, main.firstChild);
    return div;
  }

  var kept = document.getElementById("kept-draft");
  if (kept) {
    var fields = {};
    try { fields = JSON.parse(kept.textContent) || {}; } catch (e) { fields = {}; }
    var restored = false;
    Object.keys(fields).forEach(function (name) {
      var values = fields[name];
      var inputs = document.querySelectorAll("form [name='" + name.replace(/'/g, "\\'") + "']");
      inputs.forEach(function (input) {
        if (input.type === "file" || input.type === "hidden" || input.disabled) { return; }
        if (input.type === "checkbox" || input.type === "radio") {
          input.checked = values.indexOf(input.value) !== -1;
        } else if (input.tagName === "SELECT") {
          Array.prototype.forEach.call(input.options, function (o) {
            o.selected = values.indexOf(o.value) !== -1;
          });
        } else {
          input.value = values[values.length - 1];
        }
        restored = true;
      });
    });
    if (restored) { notice(notices.dataset.restored, "warning"); }
  }

  var idle = parseInt(notices.dataset.idleSeconds, 10);
  if (idle > 180 && document.querySelector("form[method='post'] textarea, form[method='post'] input[type='text']")) {
    window.setTimeout(function () { notice(notices.dataset.expiring, "warning"); }, (idle - 120) * 1000);
  }
}());
