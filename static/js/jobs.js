/* A background job's page: polls the job's status (JSON) and moves the bar, then shows the
   result or the refused rows. Without JavaScript the page shows the state it was opened with
   (reload to follow). A page marked data-reload="1" is reloaded when the job ends (the admin's
   import page then shows the preview or the result). No inline scripts: CSP. */
(function () {
  "use strict";
  var root = document.getElementById("job");
  if (!root || root.getAttribute("data-finished") === "1") {
    return;
  }
  var url = root.getAttribute("data-status-url");
  var part = function (name) {
    return root.querySelector('[data-job="' + name + '"]');
  };
  var delay = 500;

  function show(state) {
    var bar = part("bar");
    bar.className = "job-bar job-bar-" + state.status;
    if (state.percent !== null && state.percent !== undefined) {
      bar.value = state.percent;
      bar.textContent = state.percent + "%";
    } else {
      bar.removeAttribute("value");
    }
    part("count").textContent = state.total ? state.done + " / " + state.total : "";
    var status = part("status_label");
    status.textContent = state.status_label;
    status.className = "job-status job-status-" + state.status;
    if (state.message) {
      part("message").textContent = state.message;
    }
    if (state.download_url) {
      var box = part("download");
      box.querySelector("a").href = state.download_url;
      box.hidden = false;
    }
    if (state.row_errors && state.row_errors.length) {
      var list = part("errors").querySelector("ul");
      list.textContent = "";
      state.row_errors.forEach(function (text) {
        var li = document.createElement("li");
        li.textContent = text;
        list.appendChild(li);
      });
      part("errors").hidden = false;
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (!r.ok) {
          throw new Error(r.status);
        }
        return r.json();
      })
      .then(function (state) {
        show(state);
        if (!state.finished) {
          delay = Math.min(delay * 1.2, 3000);
          window.setTimeout(poll, delay);
        } else {
          root.setAttribute("data-finished", "1");
          if (root.getAttribute("data-reload") === "1") {
            // a page that shows what the job made (an import's preview): open it again
            window.location.reload();
          }
        }
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }
  window.setTimeout(poll, delay);
})();
