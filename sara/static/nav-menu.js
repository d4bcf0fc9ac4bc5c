// The navigation's "More" menu (templates/base.html). Without scripts it is a <details>
// disclosure; here it becomes a disclosure button (the WAI-ARIA disclosure navigation pattern):
// aria-expanded tells its state, Escape closes it and gives focus back to the button, and it
// closes when focus or a click goes elsewhere. The down arrow on the button opens it at the first
// link; the arrows move between its links. (A module file: the Content-Security-Policy forbids
// inline scripts.)

function enhance(item) {
  const details = item.querySelector(".app-nav-more__details");
  const summary = details && details.querySelector("summary");
  const list = details && details.querySelector(".app-nav-more__list");
  if (!summary || !list) return;

  const button = document.createElement("button");
  button.type = "button";
  button.className = "govuk-service-navigation__link app-nav-more__toggle";
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("aria-controls", list.id);
  if (summary.hasAttribute("aria-current")) {
    button.setAttribute("aria-current", summary.getAttribute("aria-current"));
  }
  button.append(...summary.childNodes);
  list.hidden = true;
  details.replaceWith(button, list);

  const links = () => Array.from(list.querySelectorAll("a"));
  const isOpen = () => button.getAttribute("aria-expanded") === "true";
  const open = () => {
    button.setAttribute("aria-expanded", "true");
    list.hidden = false;
  };
  const close = ({ focusButton = false } = {}) => {
    if (!isOpen()) return;
    button.setAttribute("aria-expanded", "false");
    list.hidden = true;
    if (focusButton) button.focus();
  };

  button.addEventListener("click", () => (isOpen() ? close() : open()));

  button.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown") {
      event.preventDefault();
      open();
      links()[0]?.focus();
    }
  });

  list.addEventListener("keydown", (event) => {
    const all = links();
    const index = all.indexOf(document.activeElement);
    if (index === -1) return;
    let next = null;
    if (event.key === "ArrowDown") next = all[(index + 1) % all.length];
    else if (event.key === "ArrowUp") next = all[(index - 1 + all.length) % all.length];
    else if (event.key === "Home") next = all[0];
    else if (event.key === "End") next = all[all.length - 1];
    if (next) {
      event.preventDefault();
      next.focus();
    }
  });

  item.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && isOpen()) {
      event.preventDefault();
      close({ focusButton: true });
    }
  });

  // Tabbing out of the menu, or clicking anywhere else, closes it.
  item.addEventListener("focusout", (event) => {
    if (event.relatedTarget && !item.contains(event.relatedTarget)) close();
  });
  document.addEventListener("click", (event) => {
    if (!item.contains(event.target)) close();
  });
}

document.querySelectorAll('[data-module="app-nav-more"]').forEach(enhance);
