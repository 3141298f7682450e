/* 组织建设 portal: small enhancements; every page works without this file. */
(function () {
  "use strict";

  // Attendance: hide the absence-reason box of members ticked "present".
  function syncAttendee(box) {
    var item = box.closest(".branches-attendee");
    if (!item) return;
    item.classList.toggle("is-present", box.checked);
    var reason = document.getElementById(box.dataset.reason || "");
    if (reason && !box.checked && !reason.value) reason.focus();
  }
  document.querySelectorAll(".branches-present").forEach(function (box) {
    var item = box.closest(".branches-attendee");
    var reason = document.getElementById(box.dataset.reason || "");
    // keep the reason visible when it already has text or an error
    if (item && box.checked && !(reason && reason.value) && !item.classList.contains("list-group-item-danger")) {
      item.classList.add("is-present");
    }
    box.addEventListener("change", function () { syncAttendee(box); });
  });

  // Step one of a new record: going on as soon as an organisation is picked.
  document.querySelectorAll("form.branches-choose select").forEach(function (select) {
    select.addEventListener("change", function () {
      if (select.value) select.form.submit();
    });
  });
})();
