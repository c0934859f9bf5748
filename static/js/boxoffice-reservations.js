// Parterre box office: the "pay later, invite, phone" block of the sale screen
// (ticketing/templates/ticketing/boxoffice/_deferred.html). Alt+R reserves, Alt+I invites,
// Alt+L sells by phone (a payment link), with the places and buyer of the sale form. Enter in this block's
// fields never confirms the sale (the sale form's default button): it is the block's own
// search, or nothing. Every action also works by Tab + Enter on its button.
(function () {
  "use strict";

  const KEYS = { r: "reserve", i: "invite", l: "phone" };

  document.addEventListener("keydown", (event) => {
    if (!event.altKey || event.ctrlKey || event.metaKey) return;
    const action = KEYS[(event.key || "").toLowerCase()] || KEYS[(event.code || "").slice(-1).toLowerCase()];
    if (!action) return;
    const button = document.querySelector(`[data-rv-action="${action}"]`);
    if (!button) return;
    event.preventDefault();
    button.click();
  });

  document.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    const field = event.target;
    if (!field.closest || !field.closest("[data-rv-block]")) return;
    if (field.tagName === "BUTTON") return;
    event.preventDefault();
    if (field.matches("[data-rv-inviter]")) return;
    // In the inviter search: pick the first contact found.
    if (field.id === "rv-inviter-q") {
      const first = document.querySelector("[data-rv-inviter]");
      if (first) first.checked = true;
    }
  });
})();
