/* Upload limits, checked in the browser before anything is sent (the server checks again).
   A file input with data-max-bytes (and data-max-files) keeps only the files within the limits;
   the others are dropped from the input, so they are never sent, and the reason is shown. */
(function () {
  "use strict";

  function feedback(input) {
    var id = (input.id || input.name) + "-limit";
    var box = document.getElementById(id);
    if (!box) {
      box = document.createElement("div");
      box.id = id;
      box.className = "invalid-feedback d-block upload-limit-error";
      box.setAttribute("role", "alert");
      input.insertAdjacentElement("afterend", box);
    }
    return box;
  }

  function keepOnly(input, kept) {
    try {
      var dt = new DataTransfer();
      kept.forEach(function (f) { dt.items.add(f); });
      input.files = dt.files;
    } catch (e) {
      input.value = "";  // an older browser: drop the whole choice rather than send it
    }
  }

  function check(input) {
    var maxBytes = parseInt(input.dataset.maxBytes || "0", 10);
    var maxFiles = parseInt(input.dataset.maxFiles || "0", 10);
    var files = Array.prototype.slice.call(input.files || []);
    var problems = [];
    var kept = files.filter(function (f) {
      if (maxBytes && f.size > maxBytes) {
        problems.push((input.dataset.msgTooBig || "").replace("{name}", f.name));
        return false;
      }
      return true;
    });
    if (maxFiles && kept.length > maxFiles) {
      problems.push(input.dataset.msgTooMany || "");
      kept = [];
    }
    if (kept.length !== files.length) keepOnly(input, kept);
    var box = feedback(input);
    box.textContent = problems.join(" ");
    box.hidden = problems.length === 0;
    input.classList.toggle("is-invalid", problems.length > 0);
    return problems.length === 0;
  }

  document.querySelectorAll("input[type=file][data-max-bytes]").forEach(function (input) {
    input.addEventListener("change", function () { check(input); });
  });
})();
