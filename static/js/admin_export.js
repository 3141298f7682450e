// The export page's "select all" toggle, bound here instead of an inline onchange handler.
document.addEventListener("DOMContentLoaded", () => {
  const toggle = document.querySelector("input.select-toggle");
  if (!toggle) {
    return;
  }
  toggle.addEventListener("change", (event) => {
    if (typeof onSelectToggleChange === "function") {
      onSelectToggleChange(event);
    }
  });
});
