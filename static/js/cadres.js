/* 队伍建设: submit the allowance-sheet period form when a period is picked (no inline JS). */
document.addEventListener("DOMContentLoaded", function () {
  var input = document.getElementById("id_period");
  if (input) {
    input.addEventListener("change", function () { input.form.submit(); });
  }
});
