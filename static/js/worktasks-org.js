/* The dashboard's scope chooser: a text field whose suggestions come from
   /dashboard/organizations/?q= (organisations in the user's scope, at most 20), instead of a
   <select> of every organisation. Picking a suggestion sends its id; without JavaScript the
   typed name is looked up by the server. No inline scripts: CSP. */
(function () {
  "use strict";
  var input = document.getElementById("wt-org-name");
  var list = document.getElementById("wt-org-options");
  var hidden = document.getElementById("wt-org-id");
  if (!input || !list || !hidden || !window.fetch) {
    return;
  }
  var url = input.getAttribute("data-search-url");
  var ids = {};
  var timer = null;
  var asked = "";

  function pick() {
    var id = ids[input.value];
    if (id) {
      hidden.value = String(id);
      hidden.disabled = false;
    } else {
      hidden.value = "";
      hidden.disabled = true;
    }
  }

  function fill(results) {
    ids = {};
    while (list.firstChild) {
      list.removeChild(list.firstChild);
    }
    results.forEach(function (r) {
      if (ids[r.name]) {
        return; // same name twice: the server resolves the first, widest one
      }
      ids[r.name] = r.id;
      var option = document.createElement("option");
      option.value = r.name;
      list.appendChild(option);
    });
    pick();
  }

  function ask() {
    var q = input.value.trim();
    if (q === asked) {
      pick();
      return;
    }
    asked = q;
    fetch(url + "?q=" + encodeURIComponent(q), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.ok ? response.json() : { results: [] };
      })
      .then(function (data) {
        if (asked === q) {
          fill(data.results || []);
        }
      })
      .catch(function () {});
  }

  input.addEventListener("input", function () {
    pick();
    window.clearTimeout(timer);
    timer = window.setTimeout(ask, 200);
  });
  input.addEventListener("focus", ask);
  input.addEventListener("change", pick);
})();
