// The drawer count: the total counted and the difference with the expected amount, as typed.
(() => {
  const form = document.querySelector("[data-cash-count]");
  if (!form) return;
  const expected = Number(document.querySelector("[data-cash-expected]")?.dataset.cashExpected || 0);
  const counted = form.querySelector("[data-cash-counted]");
  const difference = form.querySelector("[data-cash-difference]");
  const money = (cents) =>
    new Intl.NumberFormat(document.documentElement.lang || "fr", { style: "currency", currency: "EUR" }).format(cents / 100);
  const update = () => {
    let total = 0;
    form.querySelectorAll("[data-cash-denomination]").forEach((input) => {
      total += Number(input.dataset.cashDenomination) * (parseInt(input.value, 10) || 0);
    });
    counted.textContent = money(total);
    difference.textContent = money(total - expected);
    difference.classList.toggle("error", total !== expected);
  };
  form.addEventListener("input", update);
  update();
  form.querySelector("[data-cash-denomination]")?.focus();
})();
