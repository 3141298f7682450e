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

  // 民主生活会: only the chosen leadership team's members are on its attendance list (the
  // server keeps only theirs too); other kinds list every member again.
  var kindSelect = document.querySelector("form.branches-form select[name=kind]");
  var teamSelect = document.querySelector("form.branches-form select[name=leadership_team]");
  function syncTeam() {
    var team = kindSelect.value === "democratic_life" ? teamSelect.value : "";
    document.querySelectorAll(".branches-attendee[data-teams]").forEach(function (item) {
      var onTeam = (" " + item.dataset.teams + " ").indexOf(" " + team + " ") !== -1;
      item.hidden = Boolean(team) && !onTeam;
    });
  }
  if (kindSelect && teamSelect) {
    kindSelect.addEventListener("change", syncTeam);
    teamSelect.addEventListener("change", syncTeam);
    syncTeam();
  }

  // Step one of a new record: going on as soon as an organisation is picked.
  document.querySelectorAll("form.branches-choose select").forEach(function (select) {
    select.addEventListener("change", function () {
      if (select.value) select.form.submit();
    });
  });
})();
