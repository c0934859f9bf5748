// Parterre merge review: j / k next / previous pair, m merge, d not the same person.
// Every action is also a plain link or button (Tab + Enter); these are shortcuts.
(function () {
  "use strict";
  const isTyping = (el) =>
    !!el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName) && el.type !== "radio");
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || isTyping(document.activeElement)) return;
    const key = event.key.toLowerCase();
    if (!["j", "k", "m", "d"].includes(key)) return;
    const target = document.querySelector(`[data-dd-key="${key}"]`);
    if (!target) return;
    event.preventDefault();
    target.click();
  });
})();
