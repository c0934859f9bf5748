// Parterre box office: keyboard shortcuts, live total and change, buyer picking.
// Works with the server-rendered screens in ticketing/templates/ticketing/boxoffice/; every
// action also works by Tab + Enter, these are shortcuts. No dependency besides htmx.
(function () {
  "use strict";

  const fold = (text) =>
    (text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();

  // "/", Alt+/ and F2 (focus a search field) live in counter-keys.js.

  // --- Performance board ------------------------------------------------------------------
  function initBoard() {
    const filter = document.querySelector("[data-bo-filter]");
    const board = document.querySelector("[data-bo-board]");
    if (!filter || !board) return;
    const items = Array.from(board.querySelectorAll("[data-bo-item]"));
    const none = document.querySelector("[data-bo-none]");
    const links = () => items.filter((li) => !li.hidden).map((li) => li.querySelector("a"));

    filter.addEventListener("input", () => {
      const words = fold(filter.value).split(/\s+/).filter(Boolean);
      let shown = 0;
      for (const li of items) {
        const text = fold(li.dataset.search);
        li.hidden = !words.every((w) => text.includes(w));
        if (!li.hidden) shown += 1;
      }
      if (none) none.hidden = shown > 0;
    });
    filter.addEventListener("keydown", (event) => {
      const first = links()[0];
      if (!first) return;
      if (event.key === "Enter") {
        event.preventDefault();
        first.click();
      } else if (event.key === "ArrowDown") {
        event.preventDefault();
        first.focus();
      }
    });
    board.addEventListener("keydown", (event) => {
      if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
      const visible = links();
      const i = visible.indexOf(document.activeElement);
      if (i < 0) return;
      event.preventDefault();
      if (event.key === "ArrowUp" && i === 0) filter.focus();
      else visible[Math.max(0, Math.min(visible.length - 1, i + (event.key === "ArrowDown" ? 1 : -1)))].focus();
    });
  }

  // --- Sale screen ------------------------------------------------------------------------
  function initSale() {
    const form = document.querySelector("[data-bo-sale]");
    if (!form) return;
    const totalOut = form.querySelector("[data-bo-total]");
    const changeOut = form.querySelector("[data-bo-change]");
    const paylines = form.querySelector("[data-bo-paylines]");
    const lang = document.documentElement.lang || "fr";
    const money = new Intl.NumberFormat(lang, {
      style: "currency",
      currency: totalOut.dataset.currency || "EUR",
    });
    const show = (cents) => money.format(cents / 100);

    function parse(text) {
      const cleaned = (text || "").replace(/[\s\u00a0\u202f€]/g, "").replace(",", ".");
      if (!cleaned) return null;
      const value = Number(cleaned);
      return Number.isFinite(value) && value >= 0 ? Math.round(value * 100) : NaN;
    }

    function total() {
      let cents = 0;
      for (const select of form.querySelectorAll("[data-bo-seat-tariff]")) {
        const option = select.selectedOptions[0];
        if (option) cents += Number(option.dataset.amount) + Number(option.dataset.fee);
      }
      const tariff = form.querySelector("[data-bo-default-tariff]")?.value;
      for (const input of form.querySelectorAll("[data-bo-best], [data-bo-zone]")) {
        // Standing places split between tariffs (as SaleForm._parse_zone): the split ones at
        // their tariff, the rest at the default one; a blank total is the split's sum.
        const split = input.dataset.boZone
          ? Array.from(form.querySelectorAll(`[data-bo-zone-split="${input.dataset.boZone}"]`))
              .map((i) => [i.dataset.tariff, parseInt(i.value, 10) || 0])
              .filter(([, n]) => n > 0)
          : [];
        const splitCount = split.reduce((sum, [, n]) => sum + n, 0);
        const count = parseInt(input.value, 10) || splitCount;
        const prices = JSON.parse(input.dataset.prices);
        for (const [t, n] of [...split, [tariff, count - splitCount]]) {
          const price = n > 0 ? prices[t] : null;
          if (price) cents += n * (price[0] + price[1]);
        }
      }
      for (const input of form.querySelectorAll("[data-bo-extra]")) {
        cents += (parseInt(input.value, 10) || 0) * Number(input.dataset.price);
      }
      return cents;
    }

    // The same arithmetic as SaleForm._settle: a blank amount takes the rest; card, cheque
    // and voucher as typed; cash may exceed what is due (the change).
    function update() {
      const due = total();
      totalOut.textContent = show(due);
      const rows = Array.from(paylines.querySelectorAll("[data-bo-payline]"));
      const lines = rows.map((row) => ({
        row,
        method: row.querySelector("[data-bo-method]").value,
        cents: parse(row.querySelector("[data-bo-amount]").value),
      }));
      const typed = lines.reduce((sum, l) => sum + (l.cents || 0), 0);
      const blanks = lines.filter((l) => l.cents === null);
      for (const l of blanks) {
        l.row.querySelector("[data-bo-amount]").placeholder =
          blanks.length === 1 ? show(Math.max(due - typed, 0)) : "";
      }
      if (blanks.length === 1) blanks[0].cents = Math.max(due - typed, 0);
      changeOut.className = "bo-change";
      if (lines.some((l) => Number.isNaN(l.cents)) || blanks.length > 1) {
        changeOut.replaceChildren();
        return;
      }
      const other = lines.filter((l) => l.method !== "cash").reduce((s, l) => s + l.cents, 0);
      const cash = lines.filter((l) => l.method === "cash").reduce((s, l) => s + l.cents, 0);
      let label = "";
      let amount = 0;
      if (other > due) [label, amount] = [changeOut.dataset.msgOver, other - due];
      else if (cash < due - other) [label, amount] = [changeOut.dataset.msgDue, due - other - cash];
      else if (cash > due - other) [label, amount] = [changeOut.dataset.msgChange, cash - (due - other)];
      if (!label) {
        changeOut.replaceChildren();
        return;
      }
      const strong = document.createElement("strong");
      strong.textContent = show(amount);
      changeOut.replaceChildren(document.createTextNode(label + " "), strong);
      changeOut.classList.add(label === changeOut.dataset.msgChange ? "is-change" : "is-due");
    }

    function lastLine() {
      const rows = paylines.querySelectorAll("[data-bo-payline]");
      return rows[rows.length - 1];
    }

    function setMethod(index) {
      const row = document.activeElement?.closest("[data-bo-payline]") || lastLine();
      const select = row.querySelector("[data-bo-method]");
      if (index >= select.options.length) return;
      select.selectedIndex = index;
      row.querySelector("[data-bo-amount]").focus();
      update();
    }

    function addLine() {
      const template = form.querySelector("[data-bo-payline-template]");
      const row = template.content.firstElementChild.cloneNode(true);
      paylines.append(row);
      row.querySelector("[data-bo-method]").focus();
      update();
    }

    function focusFirst(selector) {
      const el = form.querySelector(selector);
      if (el) {
        el.focus();
        if (el.select) el.select();
      }
    }

    // Buyer: a picked contact replaces the new-buyer fields (disabled, so not posted).
    const newBuyer = form.querySelector("[data-bo-newbuyer]");
    function syncBuyer() {
      let picked = form.querySelector("input[name=contact]:checked");
      if (!picked) {
        picked = form.querySelector("[data-bo-new]");
        picked.checked = true;
      }
      const known = picked.value !== "";
      newBuyer.hidden = known;
      for (const input of newBuyer.querySelectorAll("input")) input.disabled = known;
    }

    const search = form.querySelector("[data-bo-search]");
    search.addEventListener("keydown", (event) => {
      const first = form.querySelector("[data-bo-contact]");
      if (event.key === "Enter") {
        event.preventDefault(); // never sell from the search field
        if (first) {
          first.checked = true;
          syncBuyer();
          focusFirst("[data-bo-amount]");
        }
      } else if (event.key === "ArrowDown" && first) {
        event.preventDefault();
        first.checked = true;
        first.focus();
        syncBuyer();
      }
    });

    form.addEventListener("change", (event) => {
      if (event.target.name === "contact") syncBuyer();
      update();
    });
    form.addEventListener("input", update);

    form.addEventListener("keydown", (event) => {
      // Enter in a quantity or a label field finds/adds seats instead of selling.
      const target = event.target.dataset?.boFindTarget;
      if (event.key === "Enter" && target) {
        event.preventDefault();
        document.getElementById(target)?.click();
      }
    });

    form.addEventListener("click", (event) => {
      const remove = event.target.closest("[data-bo-removeline]");
      if (remove) {
        const rows = paylines.querySelectorAll("[data-bo-payline]");
        if (rows.length > 1) remove.closest("[data-bo-payline]").remove();
        else rows[0].querySelector("[data-bo-amount]").value = "";
        focusFirst("[data-bo-amount]");
        update();
      } else if (event.target.closest("[data-bo-addline]")) {
        addLine();
      }
    });

    document.addEventListener("keydown", (event) => {
      if (!event.altKey || event.ctrlKey || event.metaKey) return;
      const digit = /^(?:Digit|Numpad)([1-4])$/.exec(event.code);
      const actions = {
        KeyB: () => focusFirst("[data-bo-best]"),
        KeyS: () => focusFirst("[data-bo-labels]"),
        KeyM: () => form.querySelector(".seatmap g.seat[tabindex='0']")?.focus(),
        KeyP: addLine,
      };
      const action = digit ? () => setMethod(Number(digit[1]) - 1) : actions[event.code];
      if (!action) return;
      event.preventDefault();
      action();
    });

    // The seat map changed (click, keyboard): refresh the chosen seats and their tariffs.
    form.addEventListener("seatmap:change", (event) => {
      const lines = Array.from(form.querySelectorAll("[data-bo-line]"), (tr) => Number(tr.dataset.boLine));
      const chosen = event.detail.selected;
      const same = lines.length === chosen.length && chosen.every((id) => lines.includes(id));
      const refresh = form.querySelector("[data-bo-refresh]");
      if (!same && refresh && window.htmx) window.htmx.trigger(refresh, "bo:refresh");
    });

    document.body.addEventListener("htmx:afterSwap", (event) => {
      if (event.detail.target.id === "bo-results") syncBuyer();
      const focus = form.querySelector("[data-bo-focus]");
      if (focus && (event.detail.target.id === "places")) focus.focus();
      update();
    });

    syncBuyer();
    update();
    const errors = document.querySelector("[data-bo-errors]");
    if (errors) errors.focus();
    else if (!document.querySelector("[data-bo-focus]")) focusFirst("[data-bo-best], [data-bo-labels]");
    else form.querySelector("[data-bo-focus]").focus();
  }

  // --- Receipt ----------------------------------------------------------------------------
  function initReceipt() {
    const print = document.querySelector("[data-bo-print]");
    if (!print) return;
    print.addEventListener("click", () => window.print());
    // Its key (R) and the tickets' (P, A, E) are in counter-keys.js.
    document.querySelector("[data-bo-autofocus]")?.focus();
  }

  function init() {
    initBoard();
    initSale();
    initReceipt();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
