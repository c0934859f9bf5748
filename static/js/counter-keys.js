// Parterre counter: the shortcuts that must work from anywhere on the sale screen and the
// receipt. Kept apart from boxoffice.js (the screen's own behaviour) so that each stays small.
//   "/"        search (performances, buyers) when the cursor is not in a text field; a
//              letter typed in a quantity field starts the buyer search with it
//   Alt+/, F2  the same, from anywhere, even while typing in a field
//   Enter      in a menu (tariff, payment method): confirms the sale, as in any field
//   Alt+T      next tariff for best-available and standing places (the focus stays)
//   Alt+N      a new buyer: straight to their fields
//   card       the amount to key in on the terminal, then Enter (accepted) or Esc (declined)
//   receipt:   P tickets on the counter's printer (80 mm), A tickets on A4, E email them,
//              R print the receipt
(function () {
  "use strict";

  const TEXT_TYPES = /^(text|search|email|tel|url|password)$/;
  // Where "/" is a character someone may be typing: numbers and menus do not take one.
  const inText = (el) =>
    !!el &&
    (el.isContentEditable ||
      el.tagName === "TEXTAREA" ||
      (el.tagName === "INPUT" && TEXT_TYPES.test(el.type || "text")));
  const noModifier = (e) => !e.ctrlKey && !e.metaKey && !e.altKey;
  const isSlash = (e) => e.key === "/" || e.code === "Slash" || e.code === "NumpadDivide";

  function focusSearch() {
    const search = document.querySelector("[data-bo-search], [data-bo-filter]");
    if (!search) return false;
    search.focus();
    search.select();
    return true;
  }

  document.addEventListener("keydown", (event) => {
    const anywhere =
      (event.key === "F2" && noModifier(event)) ||
      (event.altKey && !event.ctrlKey && !event.metaKey && isSlash(event));
    const outsideText = event.key === "/" && noModifier(event) && !inText(document.activeElement);
    if ((anywhere || outsideText) && focusSearch()) event.preventDefault();
  });

  // --- Sale screen ------------------------------------------------------------------------
  function initSale(form) {
    const newBuyer = form.querySelector("[data-bo-newbuyer]");
    const hint = form.querySelector("[data-bo-identity]");

    // Asks for an email or a postcode while the buyer is anonymous.
    function syncHint() {
      if (!hint || !newBuyer) return;
      const anonymous = form.querySelector("[data-bo-new]")?.checked;
      const typed = Array.from(newBuyer.querySelectorAll("input:not([type=checkbox])")).some(
        (input) => input.value.trim() !== "",
      );
      hint.hidden = !anonymous || typed;
    }

    // The focus stays where it is (a quantity field, usually): the menu shows the change.
    function nextTariff() {
      const select = form.querySelector("[data-bo-default-tariff]");
      if (!select || !select.options.length) return;
      select.selectedIndex = (select.selectedIndex + 1) % select.options.length;
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function startNewBuyer() {
      const radio = form.querySelector("[data-bo-new]");
      if (!radio || !newBuyer) return;
      radio.checked = true;
      radio.dispatchEvent(new Event("change", { bubbles: true }));
      newBuyer.querySelector("input:not([disabled])")?.focus();
      syncHint();
    }

    form.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && noModifier(event) && event.target.tagName === "SELECT") {
        event.preventDefault();
        form.requestSubmit();
      }
      // A letter typed in a quantity field (which takes none) starts the buyer search.
      const search = form.querySelector("[data-bo-search]");
      if (
        search &&
        noModifier(event) &&
        event.target.type === "number" &&
        event.key.length === 1 &&
        /\p{L}/u.test(event.key)
      ) {
        event.preventDefault();
        search.focus();
        search.value = event.key;
        search.dispatchEvent(new Event("input", { bubbles: true }));
      }
    });
    document.addEventListener("keydown", (event) => {
      if (!event.altKey || event.ctrlKey || event.metaKey) return;
      const action = { KeyT: nextTariff, KeyN: startNewBuyer }[event.code];
      if (!action) return;
      event.preventDefault();
      action();
    });
    // Card on the counter's own terminal: before selling, the screen shows the amount to key
    // in and waits for staff to say the terminal accepted it (Enter) or declined it (Esc).
    const card = form.querySelector("[data-bo-card-confirm]");
    let cardAccepted = false;
    function cardAmount() {
      const lines = Array.from(form.querySelectorAll("[data-bo-payline]")).filter(
        (row) => row.querySelector("[data-bo-method]").value === "card_counter",
      );
      if (!lines.length) return "";
      return lines
        .map((row) => {
          const input = row.querySelector("[data-bo-amount]");
          return input.value.trim() || input.placeholder;
        })
        .join(" + ");
    }
    function closeCard() {
      card.hidden = true;
      form.querySelector("[data-bo-amount]")?.focus();
    }
    if (card) {
      form.addEventListener("submit", (event) => {
        if (cardAccepted || event.submitter?.hasAttribute("formaction")) return;
        const amount = cardAmount();
        if (!amount) return;
        event.preventDefault();
        card.querySelector("[data-bo-card-amount]").textContent = amount;
        card.hidden = false;
        card.querySelector("[data-bo-card-ok]").focus();
      });
      card.querySelector("[data-bo-card-ok]").addEventListener("click", () => {
        cardAccepted = true;
        form.requestSubmit();
      });
      card.querySelector("[data-bo-card-cancel]").addEventListener("click", closeCard);
      card.addEventListener("keydown", (event) => {
        if (event.key === "Escape") {
          event.preventDefault();
          closeCard();
        }
      });
    }

    form.addEventListener("input", syncHint);
    form.addEventListener("change", syncHint);
    document.body.addEventListener("htmx:afterSwap", syncHint);
    syncHint();
  }

  // --- Receipt ----------------------------------------------------------------------------
  // The tickets' PDF is printed from a frame of this page: the browser's print dialog opens
  // (a counter browser set to print silently prints straight away).
  function printPdf(url, status) {
    let frame = document.getElementById("bo-print-frame");
    if (!frame) {
      frame = document.createElement("iframe");
      frame.id = "bo-print-frame";
      frame.title = status?.dataset.title || "";
      frame.className = "bo-print-frame";
      document.body.append(frame);
    }
    frame.onload = () => {
      try {
        frame.contentWindow.focus();
        frame.contentWindow.print();
      } catch (error) {
        window.open(url, "_blank", "noopener");
      }
    };
    frame.src = url;
    if (status) status.textContent = status.dataset.printing;
  }

  function initReceipt(actions) {
    const status = actions.querySelector("[data-bo-print-status]");
    for (const link of actions.querySelectorAll("[data-bo-print-pdf]")) {
      link.addEventListener("click", (event) => {
        event.preventDefault();
        printPdf(link.href, status);
      });
    }
    document.addEventListener("keydown", (event) => {
      if (!noModifier(event) || inText(document.activeElement)) return;
      const key = event.key.toLowerCase();
      const target = actions.querySelector(`[data-bo-key="${key}"]`);
      if (!target) return;
      event.preventDefault();
      if (target.matches("input")) target.focus();
      else target.click();
    });
  }

  function init() {
    const form = document.querySelector("[data-bo-sale]");
    if (form) initSale(form);
    const actions = document.querySelector("[data-bo-receipt-actions]");
    if (actions) initReceipt(actions);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
