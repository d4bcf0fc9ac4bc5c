// The case list's filter panel (templates/cases/list.html) is a details element, so that on a
// phone it is folded away behind "Filter cases" with no script at all. From tablet width up there
// is room for it: this opens it and hides its summary, so the filters are always shown there. Back
// on a narrow screen it folds again, unless filters are applied (the page then opens it itself).
const wide = window.matchMedia("(min-width: 40.0625em)");
document.querySelectorAll('[data-module="app-filter-panel"]').forEach((panel) => {
  const openOnPhone = panel.open;
  const fit = () => {
    panel.open = wide.matches || openOnPhone;
    panel.classList.toggle("app-filter-panel--fixed", wide.matches);
  };
  fit();
  wide.addEventListener("change", fit);
});
