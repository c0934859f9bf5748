// Parterre storefront seat map: draws the map from two files instead of receiving it in the
// page — the layout's geometry (cached by the browser for good: its address changes with its
// content) and the performance's free seats (a small payload, shared by every visitor for a
// second or two) — then hands the drawing to seatmap.js for selection and keyboard use.
// Adds zoom (pinch, ctrl+wheel, + and − buttons, drag to move) by changing the SVG's
// viewBox: the map always fits the width of the screen, the page never scrolls sideways.
// No framework, no dependency. Markup: templates/ticketing/storefront/performance.html.

import { initSeatmap } from "./seatmap.js";

const SVG = "http://www.w3.org/2000/svg";
const FLAG = { wheelchair: 1, companion: 2, restricted: 4, hearing: 8, stepFree: 16, blocked: 32 };
const TICK = "M-0.19 0.01 L-0.05 0.15 L0.2 -0.15";
const REFRESH_MS = 20000;
const MIN_SEAT_PX = 30; // the most zoomed-in view shows seats this wide on screen
const TAP_SEAT_PX = 14; // a touch on seats smaller than this zooms in instead of choosing

function format(message, values) {
  return message.replace(/%\((\w+)\)s/g, (_, key) => String(values[key] ?? ""));
}

function escapeXml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function freeMap(availability) {
  // seat id → category id, from {category: [[first, last], …]}
  const free = new Map();
  for (const [category, ranges] of Object.entries(availability.free || {})) {
    for (const [first, last] of ranges) {
      for (let id = first; id <= last; id += 1) free.set(id, Number(category));
    }
  }
  return free;
}

function fits(bits, needs) {
  return (
    (needs.has("wheelchair") && bits & FLAG.wheelchair) ||
    (needs.has("companion_seat") && bits & FLAG.companion) ||
    (needs.has("hearing_loop") && bits & FLAG.hearing) ||
    (needs.has("reduced_mobility") && bits & (FLAG.stepFree | FLAG.companion))
  );
}

function seatLabel(root, seat, sectionName, category, status, bits, fit) {
  const d = root.dataset;
  const [, , , , row, number, label] = seat;
  const parts = [format(d.msgSeat, { row, number })];
  if (sectionName) parts[0] = `${sectionName}, ${parts[0]}`;
  if (label && label !== `${row}${number}`) parts.push(label);
  if (category) parts.push(category.price_text ? `${category.name}, ${category.price_text}` : category.name);
  if (bits & FLAG.wheelchair) parts.push(d.msgWheelchair);
  if (bits & FLAG.companion) parts.push(d.msgCompanion);
  if (bits & FLAG.restricted) parts.push(d.msgRestricted);
  if (bits & FLAG.hearing) parts.push(d.msgHearing);
  if (bits & FLAG.stepFree) parts.push(d.msgStepfree);
  if (fit) parts.push(d.msgFits);
  parts.push(status === "available" ? d.msgFree : status === "sold" ? d.msgTaken : d.msgUnavailable);
  return parts.join(", ");
}

function draw(root, geometry, availability, categories, needs) {
  const free = freeMap(availability);
  const byCategory = new Map(categories.map((c) => [c.id, c]));
  const money = new Intl.NumberFormat(document.documentElement.lang || "fr", {
    style: "currency",
    currency: "EUR",
    maximumFractionDigits: 2,
    minimumFractionDigits: 0,
  });
  for (const c of categories) c.price_text = c.price == null ? "" : money.format(c.price / 100);
  const withSection = geometry.sections.length > 1;
  const [x0, y0, w, h] = geometry.viewBox;
  const st = geometry.stage;
  const out = [];
  out.push(
    `<svg class="seatmap-svg" xmlns="${SVG}" viewBox="${x0} ${y0} ${w} ${h}" style="aspect-ratio: ${w} / ${h}" ` +
      `role="group" aria-labelledby="store-map-title" aria-describedby="store-map-help" preserveAspectRatio="xMidYMid meet">`,
    `<title id="store-map-title">${escapeXml(root.dataset.caption || "")}</title>`,
    `<g class="seatmap-stage" aria-hidden="true"><rect x="${st.x}" y="${st.y}" width="${st.w}" height="${st.h}" rx="0.3"/>`,
    `<text x="${st.cx}" y="${st.cy}" dominant-baseline="central" text-anchor="middle">${escapeXml(st.label)}</text></g>`,
  );
  if (geometry.sectionLabels.length) {
    out.push('<g class="seatmap-sections" aria-hidden="true">');
    for (const [x, y, text] of geometry.sectionLabels) {
      out.push(`<text x="${x}" y="${y}" dominant-baseline="central" text-anchor="middle">${escapeXml(text)}</text>`);
    }
    out.push("</g>");
  }
  out.push('<g class="seatmap-rows" aria-hidden="true">');
  for (const [x, y, text] of geometry.rowLabels) {
    out.push(`<text x="${x}" y="${y}" dominant-baseline="central" text-anchor="middle">${escapeXml(text)}</text>`);
  }
  out.push('</g><g class="seatmap-seats">');
  let first = true;
  for (const seat of geometry.seats) {
    const [id, x, y, section, row, , label, bits] = seat;
    const categoryId = free.get(id);
    const status = bits & FLAG.blocked ? "unavailable" : categoryId !== undefined ? "available" : "sold";
    const category = byCategory.get(categoryId);
    const selectable = status === "available";
    const fit = selectable && needs.size > 0 && fits(bits, needs);
    const classes = ["seat", `is-${status}`];
    if (bits & FLAG.wheelchair) classes.push("is-wheelchair");
    if (bits & FLAG.companion) classes.push("is-companion");
    if (bits & FLAG.restricted) classes.push("is-restricted");
    if (bits & FLAG.hearing) classes.push("is-hearing-loop");
    if (fit) classes.push("is-fit");
    const color = category ? category.color : "#9aa0a6";
    const aria = seatLabel(root, seat, withSection ? geometry.sections[section] : "", category, status, bits, fit);
    const tab = selectable && first ? 0 : -1;
    if (selectable && first) first = false;
    const shape =
      bits & FLAG.wheelchair
        ? `<rect class="seat-shape" x="-0.4" y="-0.4" width="0.8" height="0.8" rx="0.1" fill="${color}"/>`
        : `<circle class="seat-shape" r="0.38" fill="${color}"/>`;
    out.push(
      `<g class="${classes.join(" ")}" role="button" tabindex="${tab}" aria-label="${escapeXml(aria)}" aria-pressed="false"` +
        `${selectable ? "" : ' aria-disabled="true"'} data-id="${id}" data-row="${section}|${escapeXml(row)}" data-x="${x}" data-y="${y}" ` +
        `data-label="${escapeXml(label)}" data-selectable="${selectable ? 1 : 0}" transform="translate(${x} ${y})">` +
        `${fit ? '<circle class="seat-ring" r="0.5"/>' : ""}<circle class="seat-hit" r="0.5"/>${shape}` +
        `${bits & FLAG.companion ? '<circle class="seat-dot" r="0.11"/>' : ""}<path class="seat-tick" d="${TICK}"/></g>`,
    );
  }
  out.push("</g></svg>");
  return out.join("");
}

// --- Zoom and pan, on the viewBox -----------------------------------------------------------
function zoomer(svg, base, tools) {
  const [bx, by, bw, bh] = base;
  let scale = 1;
  let cx = bx + bw / 2;
  let cy = by + bh / 2;

  const pxPerUnit = () => (svg.clientWidth || 1) / bw;
  const maxScale = () => Math.max(2, MIN_SEAT_PX / pxPerUnit());

  function apply() {
    const w = bw / scale;
    const h = bh / scale;
    cx = Math.min(Math.max(cx, bx + w / 2), bx + bw - w / 2);
    cy = Math.min(Math.max(cy, by + h / 2), by + bh - h / 2);
    svg.setAttribute("viewBox", `${cx - w / 2} ${cy - h / 2} ${w} ${h}`);
    svg.classList.toggle("is-zoomed", scale > 1.001);
    svg.parentElement.dataset.zoom = scale.toFixed(2);
    if (tools) {
      tools.querySelector('[data-zoom="out"]').disabled = scale <= 1.001;
      tools.querySelector('[data-zoom="reset"]').disabled = scale <= 1.001;
      tools.querySelector('[data-zoom="in"]').disabled = scale >= maxScale() - 0.001;
    }
  }

  function toMap(clientX, clientY) {
    const r = svg.getBoundingClientRect();
    const w = bw / scale;
    const h = bh / scale;
    return [cx - w / 2 + ((clientX - r.left) / r.width) * w, cy - h / 2 + ((clientY - r.top) / r.height) * h];
  }

  // Zoom by `factor`, the map point under (clientX, clientY) staying where it is.
  function zoomAt(factor, clientX, clientY) {
    const next = Math.min(Math.max(scale * factor, 1), maxScale());
    if (clientX === undefined) {
      scale = next;
      return apply();
    }
    const [mx, my] = toMap(clientX, clientY);
    const r = svg.getBoundingClientRect();
    const fx = (clientX - r.left) / r.width;
    const fy = (clientY - r.top) / r.height;
    scale = next;
    cx = mx - (fx - 0.5) * (bw / scale);
    cy = my - (fy - 0.5) * (bh / scale);
    apply();
  }

  function panBy(dxPx, dyPx) {
    const r = svg.getBoundingClientRect();
    cx -= (dxPx / r.width) * (bw / scale);
    cy -= (dyPx / r.height) * (bh / scale);
    apply();
  }

  // Bring a seat into view (keyboard moves, a chosen seat off screen).
  function show(x, y) {
    const w = bw / scale;
    const h = bh / scale;
    const margin = 1.5;
    if (x < cx - w / 2 + margin || x > cx + w / 2 - margin || y < cy - h / 2 + margin || y > cy + h / 2 - margin) {
      cx = x;
      cy = y;
      apply();
    }
  }

  // Pointers: two fingers pinch, one finger (or the mouse) drags once zoomed in.
  const pointers = new Map();
  let pinch = null;
  let drag = null;
  let moved = false;
  svg.addEventListener("pointerdown", (event) => {
    pointers.set(event.pointerId, [event.clientX, event.clientY]);
    moved = false;
    if (pointers.size === 2) {
      const [[ax, ay], [bx2, by2]] = pointers.values();
      pinch = { dist: Math.hypot(ax - bx2, ay - by2), scale, mid: [(ax + bx2) / 2, (ay + by2) / 2] };
      drag = null;
    } else if (pointers.size === 1) {
      drag = { x: event.clientX, y: event.clientY };
    }
  });
  svg.addEventListener("pointermove", (event) => {
    if (!pointers.has(event.pointerId)) return;
    pointers.set(event.pointerId, [event.clientX, event.clientY]);
    if (pinch && pointers.size === 2) {
      const [[ax, ay], [bx2, by2]] = pointers.values();
      const dist = Math.hypot(ax - bx2, ay - by2);
      if (pinch.dist > 0) zoomAt((pinch.scale * dist) / pinch.dist / scale, pinch.mid[0], pinch.mid[1]);
      moved = true;
      event.preventDefault();
    } else if (drag && scale > 1.001) {
      const dx = event.clientX - drag.x;
      const dy = event.clientY - drag.y;
      if (moved || Math.hypot(dx, dy) > 6) {
        moved = true;
        if (!svg.hasPointerCapture(event.pointerId)) svg.setPointerCapture(event.pointerId);
        panBy(dx, dy);
        drag = { x: event.clientX, y: event.clientY };
        event.preventDefault();
      }
    }
  });
  const end = (event) => {
    pointers.delete(event.pointerId);
    if (pointers.size < 2) pinch = null;
    if (pointers.size === 0) drag = null;
  };
  svg.addEventListener("pointerup", end);
  svg.addEventListener("pointercancel", end);
  svg.addEventListener("pointerleave", end);
  // A drag or a pinch is not a click on the seat it ended on.
  svg.addEventListener(
    "click",
    (event) => {
      if (moved) {
        event.stopPropagation();
        event.preventDefault();
        moved = false;
      }
    },
    true,
  );
  svg.addEventListener(
    "wheel",
    (event) => {
      if (!event.ctrlKey) return; // a plain wheel scrolls the page; ctrl+wheel (and trackpad pinch) zooms
      event.preventDefault();
      zoomAt(Math.exp(-event.deltaY / 200), event.clientX, event.clientY);
    },
    { passive: false },
  );
  if (tools) {
    tools.hidden = false;
    tools.addEventListener("click", (event) => {
      const button = event.target.closest("[data-zoom]");
      if (!button) return;
      if (button.dataset.zoom === "in") zoomAt(1.6);
      else if (button.dataset.zoom === "out") zoomAt(1 / 1.6);
      else {
        scale = 1;
        apply();
      }
    });
  }
  window.addEventListener("resize", apply);
  apply();
  return {
    zoomAt,
    show,
    get scale() {
      return scale;
    },
    seatPx: () => pxPerUnit() * scale,
  };
}

// --- The list of chosen seats, kept in view -------------------------------------------------
function chips(root, api, zoom) {
  const list = root.querySelector("[data-seat-chips]");
  const submit = root.querySelector("[data-seat-submit]");
  root.addEventListener("seatmap:change", (event) => {
    const { selected, labels } = event.detail;
    list.replaceChildren(
      ...selected.map((id, i) => {
        const li = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        button.className = "seat-chip";
        button.textContent = `${labels[i]} ×`;
        button.setAttribute("aria-label", format(root.dataset.msgRemove, { label: labels[i] }));
        button.addEventListener("click", () => {
          const keep = api.selected().filter((s) => s !== id);
          api.clear();
          api.select(keep);
        });
        li.append(button);
        return li;
      }),
    );
    if (submit) submit.disabled = selected.length === 0;
    root.classList.toggle("has-selection", selected.length > 0);
    const last = selected[selected.length - 1];
    const el = last && root.querySelector(`g.seat[data-id="${last}"]`);
    if (el && zoom.scale > 1.001) zoom.show(Number(el.dataset.x), Number(el.dataset.y));
  });
}

async function start(root) {
  const status = root.querySelector("[data-seatmap-status]");
  const canvas = root.querySelector("[data-seatmap-canvas]");
  const categories = JSON.parse(document.getElementById("store-map-categories")?.textContent || "[]");
  const needs = new Set((root.dataset.needs || "").split(" ").filter(Boolean));
  let geometry;
  let availability;
  try {
    const [g, a] = await Promise.all([
      fetch(root.dataset.geometry, { credentials: "same-origin" }),
      fetch(root.dataset.availability, { credentials: "same-origin" }),
    ]);
    if (!g.ok || !a.ok) throw new Error(`${g.status} ${a.status}`);
    [geometry, availability] = await Promise.all([g.json(), a.json()]);
  } catch (error) {
    if (status) status.textContent = root.dataset.msgError;
    return;
  }
  canvas.innerHTML = draw(root, geometry, availability, categories, needs);
  const svg = canvas.querySelector("svg");
  root.setAttribute("data-seatmap", "");
  const api = initSeatmap(root);
  const zoom = zoomer(svg, geometry.viewBox, root.querySelector("[data-seatmap-tools]"));
  chips(root, api, zoom);
  api.select([]); // draws the (empty) list and disables the submit button

  // On a phone the whole hall is small: a touch on tiny seats zooms in there first.
  let lastPointer = "mouse";
  svg.addEventListener("pointerdown", (event) => {
    lastPointer = event.pointerType;
  });
  svg.addEventListener(
    "click",
    (event) => {
      if (lastPointer !== "touch" || zoom.seatPx() >= TAP_SEAT_PX) return;
      event.stopPropagation();
      zoom.zoomAt(TAP_SEAT_PX / zoom.seatPx() + 0.6, event.clientX, event.clientY);
    },
    true,
  );
  // Keyboard moves keep the focused seat on screen (not a finger's or the mouse's focus:
  // moving the map under a tap would make the browser's click land beside the seat).
  let pointerAt = 0;
  svg.addEventListener("pointerdown", () => {
    pointerAt = performance.now();
  });
  svg.addEventListener("focusin", (event) => {
    const el = event.target.closest("g.seat");
    if (!el || zoom.scale <= 1.001 || performance.now() - pointerAt < 1000) return;
    zoom.show(Number(el.dataset.x), Number(el.dataset.y));
  });

  // Seats taken by others meanwhile turn grey, seats given back come back (the chosen ones
  // stay as they are: the cart will say if one is gone).
  const colours = new Map(categories.map((c) => [c.id, c.color]));
  async function refresh() {
    if (document.hidden) return;
    try {
      const response = await fetch(root.dataset.availability, { credentials: "same-origin" });
      if (!response.ok) return;
      const free = freeMap(await response.json());
      const chosen = new Set(api.selected().map(String));
      const d = root.dataset;
      for (const el of svg.querySelectorAll("g.seat.is-available, g.seat.is-sold")) {
        if (chosen.has(el.dataset.id)) continue;
        const category = free.get(Number(el.dataset.id));
        const label = el.getAttribute("aria-label");
        if (category === undefined && el.classList.contains("is-available")) {
          el.classList.replace("is-available", "is-sold");
          el.dataset.selectable = "0";
          el.setAttribute("aria-disabled", "true");
          el.setAttribute("aria-label", label.replace(d.msgFree, d.msgTaken));
        } else if (category !== undefined && el.classList.contains("is-sold")) {
          el.classList.replace("is-sold", "is-available");
          el.dataset.selectable = "1";
          el.removeAttribute("aria-disabled");
          el.setAttribute("aria-label", label.replace(d.msgTaken, d.msgFree));
          el.querySelector(".seat-shape").setAttribute("fill", colours.get(category) || "#9aa0a6");
        }
      }
    } catch {
      /* the next refresh will tell */
    }
  }
  setInterval(refresh, REFRESH_MS);
  document.addEventListener("visibilitychange", refresh);
}

for (const root of document.querySelectorAll("[data-seatmap-remote]")) start(root);
