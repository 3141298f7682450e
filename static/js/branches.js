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

  // Attendance follows who is expected at the chosen kind of meeting on its date (the
  // server's rule, selectors.expected_attendees; it records only those on saving): a 支委会
  // the committee serving that day, a 民主生活会 the chosen leadership team, other kinds the
  // members who had joined by the day. Other rows are hidden, keeping what was ticked.
  var form = document.querySelector("form.branches-form");
  var kindSelect = form && form.querySelector("select[name=kind]");
  var dateInput = form && form.querySelector("input[name=held_on]");
  var teamSelect = form && form.querySelector("select[name=leadership_team]");
  function serving(spans, day) {
    return (spans || "").split(" ").some(function (span) {
      if (!span) return false;
      var ends = span.split("/");
      return ends[0] <= day && (!ends[1] || ends[1] >= day);
    });
  }
  function isExpected(item, kind, day, team) {
    if (kind === "democratic_life") {
      if (!team) return false;
      var posts = (item.dataset.teamPosts || "").split(" ").filter(function (post) {
        return post.split(":")[0] === team;
      }).map(function (post) { return post.split(":")[1]; });
      return serving(posts.join(" "), day);
    }
    if (kind === "branch_committee") return serving(item.dataset.committee, day);
    return Boolean(item.dataset.joined) && item.dataset.joined <= day;
  }
  function syncExpected() {
    var kind = kindSelect.value;
    var day = dateInput.value;
    var team = teamSelect ? teamSelect.value : "";
    var items = document.querySelectorAll(".branches-attendee[data-member]");
    var shown = 0;
    items.forEach(function (item) {
      item.hidden = Boolean(kind && day) && !isExpected(item, kind, day, team);
      if (!item.hidden) shown += 1;
    });
    var nobody = document.querySelector(".branches-nobody");
    if (nobody) nobody.hidden = !(kind && day) || shown > 0;
  }
  if (kindSelect && dateInput) {
    // the list follows the choices at once: no need for the button that asks the server
    document.querySelectorAll(".branches-refresh").forEach(function (button) {
      button.hidden = true;
      button.disabled = true;
    });
    [kindSelect, dateInput, teamSelect].forEach(function (input) {
      if (!input) return;
      input.addEventListener("change", syncExpected);
      input.addEventListener("input", syncExpected);
    });
    syncExpected();
  }

  // Step one of a new record: going on as soon as an organisation is picked.
  document.querySelectorAll("form.branches-choose select").forEach(function (select) {
    select.addEventListener("change", function () {
      if (select.value) select.form.submit();
    });
  });
})();
