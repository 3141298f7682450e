// Training calendar: choosing a base or a facility applies the filter at once (the button stays
// for browsers without JavaScript).
(function () {
  "use strict";
  document.querySelectorAll("#training-filter .js-autosubmit").forEach(function (select) {
    select.addEventListener("change", function () {
      select.form.submit();
    });
  });
})();
