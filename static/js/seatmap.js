// Parterre seat map: selection on the SVG drawn by templates/ticketing/_seatmap.html.
// No framework, no dependency. The interface (inputs, events, element.seatmap) is documented at
// the top of that template. Every map on the page is set up once, including maps swapped in
// by HTMX.

const KEYS_MOVE = new Set(["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End"]);

function format(message, values) {
  return message.replace(/%\((\w+)\)s/g, (_, key) => String(values[key] ?? ""));
}

export function initSeatmap(root) {
  if (root.seatmap) return root.seatmap;
  const seats = Array.from(root.querySelectorAll("g.seat[data-id]"));
  const byId = new Map(seats.map((el) => [el.dataset.id, el]));
  const inputs = root.querySelector("[data-seatmap-inputs]");
  const live = root.querySelector("[data-seatmap-live]");
  const summary = root.querySelector("[data-seatmap-summary]");
  const max = Number(root.dataset.max || 0);
  const inputName = root.dataset.inputName || "seats";
  const formId = root.dataset.formId || "";
  const geometry = new Map(
    seats.map((el) => [el, { x: Number(el.dataset.x), y: Number(el.dataset.y), row: el.dataset.row }]),
  );
  const rows = new Map();
  for (const el of seats) {
    const row = geometry.get(el).row;
    if (!rows.has(row)) rows.set(row, []);
    rows.get(row).push(el);
  }
  for (const list of rows.values()) list.sort((a, b) => geometry.get(a).x - geometry.get(b).x);
  const selected = new Set(seats.filter((el) => el.classList.contains("is-selected")).map((el) => el.dataset.id));
  let anchor = null;

  const selectable = (el) => el.dataset.selectable === "1";

  function render(announce) {
    inputs.replaceChildren(
      ...Array.from(selected, (id) => {
        const input = document.createElement("input");
        input.type = "hidden";
        input.name = inputName;
        input.value = id;
        if (formId) input.setAttribute("form", formId);
        return input;
      }),
    );
    for (const el of seats) {
      const on = selected.has(el.dataset.id);
      el.classList.toggle("is-selected", on);
      el.setAttribute("aria-pressed", on ? "true" : "false");
    }
    const labels = Array.from(selected, (id) => byId.get(id).dataset.label);
    const text =
      labels.length === 0
        ? root.dataset.msgNone
        : format(labels.length === 1 ? root.dataset.msgOne : root.dataset.msgMany, {
            count: labels.length,
            labels: labels.join(", "),
          });
    if (summary) summary.textContent = text;
    if (announce && live) live.textContent = text;
    for (const button of root.querySelectorAll("[data-seatmap-action]")) button.hidden = false;
    root.dispatchEvent(
      new CustomEvent("seatmap:change", {
        bubbles: true,
        detail: { selected: Array.from(selected, Number), labels },
      }),
    );
  }

  function refuse(message) {
    if (live) live.textContent = message;
    if (summary) summary.textContent = message;
  }

  function add(els) {
    const wanted = els.filter((el) => selectable(el) && !selected.has(el.dataset.id));
    if (max && selected.size + wanted.length > max) {
      refuse(format(root.dataset.msgMax, { max }));
      return false;
    }
    for (const el of wanted) selected.add(el.dataset.id);
    return true;
  }

  function toggle(el) {
    if (!selectable(el)) return;
    if (selected.has(el.dataset.id)) selected.delete(el.dataset.id);
    else if (!add([el])) return;
    anchor = el;
    render(true);
  }

  function selectRange(el) {
    if (!anchor) return toggle(el);
    const a = geometry.get(anchor);
    const b = geometry.get(el);
    const [x0, x1] = [Math.min(a.x, b.x) - 0.01, Math.max(a.x, b.x) + 0.01];
    const [y0, y1] = [Math.min(a.y, b.y) - 0.01, Math.max(a.y, b.y) + 0.01];
    const inside = seats.filter((s) => {
      const g = geometry.get(s);
      return g.x >= x0 && g.x <= x1 && g.y >= y0 && g.y <= y1;
    });
    if (add(inside)) render(true);
  }

  function focus(el) {
    if (!el) return;
    for (const s of seats) s.tabIndex = s === el ? 0 : -1;
    el.focus();
  }

  function neighbour(el, key) {
    const g = geometry.get(el);
    const row = rows.get(g.row);
    const i = row.indexOf(el);
    if (key === "ArrowLeft") return row[i - 1];
    if (key === "ArrowRight") return row[i + 1];
    if (key === "Home") return row[0];
    if (key === "End") return row[row.length - 1];
    // Up/down: the nearest seat of another row in that direction, preferring the same x.
    const sign = key === "ArrowDown" ? 1 : -1;
    let best = null;
    let bestScore = Infinity;
    for (const s of seats) {
      const h = geometry.get(s);
      const dy = (h.y - g.y) * sign;
      if (h.row === g.row || dy <= 0.05) continue;
      const score = dy * 2 + Math.abs(h.x - g.x);
      if (score < bestScore) [best, bestScore] = [s, score];
    }
    return best;
  }

  root.addEventListener("click", (event) => {
    const action = event.target.closest("[data-seatmap-action]");
    if (action) {
      if (action.dataset.seatmapAction === "clear") selected.clear();
      else if (action.dataset.seatmapAction === "all" && !add(seats)) return;
      render(true);
      return;
    }
    const el = event.target.closest("g.seat[data-id]");
    if (!el || !root.contains(el)) return;
    for (const s of seats) s.tabIndex = s === el ? 0 : -1;
    if (event.shiftKey) selectRange(el);
    else toggle(el);
  });

  root.addEventListener("keydown", (event) => {
    const el = event.target.closest("g.seat[data-id]");
    if (!el) return;
    if (KEYS_MOVE.has(event.key)) {
      event.preventDefault();
      focus(neighbour(el, event.key));
    } else if (event.key === " " || event.key === "Enter") {
      event.preventDefault();
      if (event.shiftKey) selectRange(el);
      else toggle(el);
    }
  });

  const api = {
    select(ids) {
      add(ids.map((id) => byId.get(String(id))).filter(Boolean));
      render(false);
    },
    clear() {
      selected.clear();
      render(false);
    },
    selected: () => Array.from(selected, Number),
  };
  root.seatmap = api;
  root.classList.add("is-interactive");
  // A map wider than the screen (phones) opens centred on the stage, not on its left edge.
  const scroller = root.querySelector(".seatmap-scroll");
  if (scroller && scroller.scrollWidth > scroller.clientWidth) {
    scroller.scrollLeft = (scroller.scrollWidth - scroller.clientWidth) / 2;
  }
  render(false);
  return api;
}

function initAll(scope = document) {
  if (scope.matches?.("[data-seatmap]")) initSeatmap(scope);
  for (const root of scope.querySelectorAll("[data-seatmap]")) initSeatmap(root);
}

initAll();
document.addEventListener("htmx:load", (event) => initAll(event.target));
