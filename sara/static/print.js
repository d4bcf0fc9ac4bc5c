// "Print this case study": a plain button wired here, because the Content-Security-Policy forbids
// inline handlers. The button stays hidden when scripts do not run; the hint next to it remains.
const buttons = document.querySelectorAll('[data-module="app-print"]');
buttons.forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
if (buttons.length) {
  document.querySelectorAll(".app-print-hint").forEach((hint) => { hint.hidden = true; });
}

// The printed copy carries the day it was printed, not the day the page was loaded.
window.addEventListener("beforeprint", () => {
  const day = new Date().toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric" });
  document.querySelectorAll('[data-module="app-print-date"]').forEach((node) => { node.textContent = day; });
});
