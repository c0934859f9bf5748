/* The door page (ticketing/templates/ticketing/door/scan.html).

   One function decides what a scan means: `scan(text)`. Online, the server decides
   (POST check-ins/); without network — or when the server cannot be reached — the phone
   decides from the performance's bundle kept in IndexedDB (public key, tickets, revoked ids):
   it verifies the QR code's Ed25519 signature itself (WebCrypto, else the vendored
   @noble/ed25519), remembers whom it let in, and queues every scan. The queue is sent to
   check-ins/sync/ as soon as the network is back; the server keeps the earliest scan of a
   ticket and reports the others as double entries. Format and protocol: docs/door.md. */

const config = JSON.parse(document.getElementById("door-config").textContent);
const T = config.strings;
const $ = (id) => document.getElementById(id);
const csrf = (document.body.getAttribute("hx-headers") || "").match(/"X-CSRFToken": "([^"]+)"/);
const CSRF = csrf ? csrf[1] : "";
const PERF = config.performance;

// --- device id (one per phone, kept) --------------------------------------------------------
function deviceId() {
  let id = localStorage.getItem("parterre.device");
  if (!id) {
    const bytes = crypto.getRandomValues(new Uint8Array(8));
    id = "dev-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    localStorage.setItem("parterre.device", id);
  }
  return id;
}
const DEVICE = deviceId();

// --- IndexedDB -------------------------------------------------------------------------------
function openDb() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open("parterre-door", 1);
    request.onupgradeneeded = () => {
      const db = request.result;
      db.createObjectStore("bundles", { keyPath: "performance_id" });
      db.createObjectStore("queue", { keyPath: "client_id" });
      db.createObjectStore("admitted", { keyPath: "key" });
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}
const dbReady = openDb();

async function store(name, mode = "readonly") {
  const db = await dbReady;
  return db.transaction(name, mode).objectStore(name);
}
function done(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}
const idb = {
  get: async (name, key) => done((await store(name)).get(key)),
  put: async (name, value) => done((await store(name, "readwrite")).put(value)),
  del: async (name, key) => done((await store(name, "readwrite")).delete(key)),
  all: async (name) => done((await store(name)).getAll()),
};

// --- base45, varints, Ed25519 ----------------------------------------------------------------
const B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
function b45decode(text) {
  const out = [];
  if (text.length % 3 === 1) throw "malformed";
  for (let i = 0; i < text.length; i += 3) {
    const chunk = text.slice(i, i + 3).split("").map((c) => {
      const v = B45.indexOf(c);
      if (v < 0) throw "malformed";
      return v;
    });
    if (chunk.length === 3) {
      const n = chunk[0] + chunk[1] * 45 + chunk[2] * 2025;
      if (n > 0xffff) throw "malformed";
      out.push(n >> 8, n & 0xff);
    } else {
      const n = chunk[0] + chunk[1] * 45;
      if (n > 0xff) throw "malformed";
      out.push(n);
    }
  }
  return new Uint8Array(out);
}
function readVarint(data, pos) {
  let n = 0, scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= data.length) throw "malformed";
    const byte = data[pos++];
    n += (byte & 0x7f) * scale;
    if (!(byte & 0x80)) return [n, pos];
    scale *= 128;
  }
  throw "malformed";
}
const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
function unb64url(text) {
  const s = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4));
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

let verifier = null; // (signature, body) => Promise<boolean>, for the bundle's key
async function makeVerifier(publicKey) {
  const raw = unb64url(publicKey);
  try {
    const key = await crypto.subtle.importKey("raw", raw, { name: "Ed25519" }, false, ["verify"]);
    return (sig, body) => crypto.subtle.verify({ name: "Ed25519" }, key, sig, body);
  } catch (error) {
    const noble = await import(config.noble); // older browsers: the vendored implementation
    return (sig, body) => noble.verifyAsync(sig, body, raw);
  }
}

/* The claims of a QR text, checked like ticketing.tickets.payload.verify_ticket_payload. */
async function verifyPayload(text, bundle) {
  if (text.length > 400 || !text.toUpperCase().startsWith("PT:")) throw "malformed";
  const data = b45decode(text.slice(3));
  if (data.length < 1 + 4 + 4 + 64) throw "malformed";
  if (data[0] !== 1) throw "unknown_version";
  const body = data.slice(0, data.length - 64), sig = data.slice(data.length - 64);
  if (hex(body.slice(1, 5)) !== bundle.key_id) throw "wrong_key";
  if (!(await verifier(sig, body))) throw "bad_signature";
  let pos = 5, ticketId, performanceId;
  [ticketId, pos] = readVarint(body, pos);
  [performanceId, pos] = readVarint(body, pos);
  [, pos] = readVarint(body, pos);
  const length = body[pos];
  const label = new TextDecoder().decode(body.slice(pos + 1, pos + 1 + length));
  if (pos + 1 + length !== body.length) throw "malformed";
  return { ticketId, performanceId, label };
}

async function codeHash(code) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(code));
  return hex(new Uint8Array(digest)).slice(0, 32);
}

// --- the bundle ------------------------------------------------------------------------------
let bundle = null; // {performance_id, key_id, public_key, generated_at, revoked: Set, tickets: Map, byHash: Map}

function indexBundle(raw) {
  const tickets = new Map(raw.tickets.map((t) => [t.id, t]));
  return {
    ...raw,
    revoked: new Set(raw.revoked_ticket_ids),
    tickets,
    byHash: new Map(raw.tickets.map((t) => [t.code_hash, t])),
  };
}

async function loadBundle() {
  const saved = await idb.get("bundles", PERF);
  if (saved) {
    bundle = indexBundle(saved);
    verifier = await makeVerifier(bundle.public_key);
  }
  await refreshBundle();
  showBundle();
}

async function refreshBundle() {
  const since = bundle && bundle.generated_at ? "?since=" + encodeURIComponent(bundle.generated_at) : "";
  let fresh;
  try {
    const response = await fetch(config.bundleUrl + since, { credentials: "same-origin" });
    if (!response.ok) return;
    fresh = await response.json();
  } catch (error) {
    return; // offline: keep what we have
  }
  let raw = fresh;
  if (since && bundle && bundle.key_id === fresh.key_id) {
    // Incremental: merge what changed (sold or let in since, revoked since).
    const tickets = new Map(bundle.tickets);
    fresh.tickets.forEach((t) => tickets.set(t.id, t));
    const revoked = new Set([...bundle.revoked, ...fresh.revoked_ticket_ids]);
    revoked.forEach((id) => tickets.delete(id));
    raw = { ...fresh, tickets: [...tickets.values()], revoked_ticket_ids: [...revoked] };
  }
  await idb.put("bundles", { ...raw, performance_id: PERF });
  bundle = indexBundle(raw);
  verifier = await makeVerifier(bundle.public_key);
  showBundle();
}

function showBundle() {
  $("door-bundle").textContent = bundle
    ? T.bundle_ready.replace("%(n)s", bundle.tickets.size)
    : T.bundle_missing;
}

// --- deciding offline (the same rules as ticketing.services.door._admission) -----------------
async function decideOffline(text) {
  const now = new Date().toISOString();
  const answer = { result: "unknown", reason: "", label: "", tariff: "", first_time: false, previous: null, ticket_id: null, scanned_at: now };
  if (!bundle) return { ...answer, reason: "not_found" };
  let ticket = null, ticketId = null;
  if (text.toUpperCase().startsWith("PT:")) {
    let claims;
    try {
      claims = await verifyPayload(text, bundle);
    } catch (code) {
      return { ...answer, reason: typeof code === "string" ? code : "malformed" };
    }
    if (claims.performanceId !== PERF) return { ...answer, result: "wrong_performance", label: claims.label };
    ticketId = claims.ticketId;
    if (bundle.revoked.has(ticketId)) return { ...answer, result: "revoked", reason: "cancelled", label: claims.label, ticket_id: ticketId };
    // Signed by the venue for this performance: a ticket sold after the bundle was made is let in too.
    ticket = bundle.tickets.get(ticketId) || { id: ticketId, label: claims.label, tariff: "", first_time: false, checked_in_at: null };
  } else {
    ticket = bundle.byHash.get(await codeHash(text));
    if (!ticket) return { ...answer, reason: "not_found" };
    ticketId = ticket.id;
  }
  const base = { ...answer, ticket_id: ticketId, label: ticket.label, tariff: ticket.tariff };
  const here = await idb.get("admitted", `${PERF}:${ticketId}`);
  if (here) return { ...base, result: "already_scanned", previous: { scanned_at: here.scanned_at, door: here.door } };
  if (ticket.checked_in_at) return { ...base, result: "already_scanned", previous: { scanned_at: ticket.checked_in_at, door: "" } };
  await idb.put("admitted", { key: `${PERF}:${ticketId}`, scanned_at: now, door: config.door });
  return { ...base, result: "valid", first_time: ticket.first_time };
}

async function queueScan(text, answer) {
  const id = crypto.getRandomValues(new Uint8Array(12));
  await idb.put("queue", {
    client_id: hex(id),
    performance: PERF,
    door: config.door,
    scanned: text,
    scanned_at: answer.scanned_at,
    local_result: answer.result,
    local_reason: (answer.reason || "").slice(0, 20),
  });
  await showQueue();
}

// --- online ------------------------------------------------------------------------------
let online = navigator.onLine;

async function post(url, body) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": CSRF },
    body: JSON.stringify(body),
  });
  if (response.status >= 500) throw new Error("server");
  return response;
}

async function pending() {
  return (await idb.all("queue")).filter((q) => q.performance === PERF);
}

let syncing = null;
async function syncQueue() {
  if (syncing) return syncing;
  syncing = (async () => {
    const scans = await pending();
    if (!scans.length || !navigator.onLine) return;
    const response = await post(config.syncUrl, {
      door: config.door,
      device_id: DEVICE,
      scans: scans.slice(0, 500).map(({ client_id, scanned, scanned_at, local_result, local_reason }) => ({ client_id, scanned, scanned_at, local_result, local_reason })),
    });
    if (!response.ok) return;
    const body = await response.json();
    for (const [clientId, result] of Object.entries(body.results)) {
      await idb.del("queue", clientId);
      if (result.conflict) {
        show({ ...result, result: "already_scanned" }, { conflict: true });
      }
    }
    setNet(true);
    await showQueue();
    document.body.dispatchEvent(new Event("door-synced"));
    refreshCounts();
  })().catch(() => setNet(false)).finally(() => { syncing = null; });
  return syncing;
}

async function scanOnline(text) {
  if ((await pending()).length) await syncQueue(); // the queue's scans came first
  const response = await post(config.scanUrl, { scanned: text, door: config.door, device_id: DEVICE });
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    return { result: "unknown", reason: body.code || "error", label: "", tariff: "", detail: body.detail };
  }
  const answer = await response.json();
  if (answer.result === "valid" && answer.ticket_id) {
    await idb.put("admitted", { key: `${PERF}:${answer.ticket_id}`, scanned_at: answer.scanned_at, door: config.door });
  }
  return answer;
}

// --- one scan ------------------------------------------------------------------------------
let busy = false;
async function scan(text) {
  text = (text || "").trim();
  if (!text || busy) return;
  busy = true;
  try {
    let answer = null;
    if (navigator.onLine) {
      try {
        answer = await scanOnline(text);
        setNet(true);
      } catch (error) {
        setNet(false); // the network or the server is gone: decide here
      }
    } else {
      setNet(false);
    }
    if (!answer) {
      answer = await decideOffline(text);
      answer.offline = true;
      await queueScan(text, answer);
    }
    show(answer);
    refreshCounts();
  } finally {
    busy = false;
  }
}

// --- what staff see and hear ---------------------------------------------------------------
const CLASSES = {
  valid: "is-valid",
  already_scanned: "is-warn",
  wrong_performance: "is-warn",
  revoked: "is-refused",
  unknown: "is-refused",
};
const timeOf = (iso) => new Date(iso).toLocaleTimeString(document.documentElement.lang || "fr", { hour: "2-digit", minute: "2-digit", timeZone: config.timezone });

function show(answer, { conflict = false } = {}) {
  const box = $("door-result");
  box.className = "door-result " + (CLASSES[answer.result] || "is-refused");
  box.dataset.result = answer.result;
  box.dataset.scan = String(Number(box.dataset.scan || 0) + 1);
  $("door-verdict").textContent = conflict ? T.already_scanned : T[answer.result] || answer.result;
  $("door-place").textContent = [answer.label, answer.tariff].filter(Boolean).join(" · ");
  const detail = $("door-detail");
  detail.textContent = "";
  if (conflict) {
    detail.textContent = T.conflict.replace("%(door)s", (answer.previous && answer.previous.door) || "?");
  } else if (answer.result === "valid" && answer.first_time) {
    const badge = document.createElement("span");
    badge.className = "first-time";
    badge.textContent = T.first_time;
    detail.append(badge);
  } else if (answer.result === "already_scanned" && answer.previous) {
    detail.textContent = T.at_door.replace("%(time)s", timeOf(answer.previous.scanned_at)).replace("%(door)s", answer.previous.door || "?");
  } else if (answer.result === "wrong_performance" && answer.ticket_performance) {
    const when = new Date(answer.ticket_performance.starts_at).toLocaleString(document.documentElement.lang || "fr", { weekday: "long", day: "numeric", month: "long", hour: "2-digit", minute: "2-digit", timeZone: config.timezone });
    detail.textContent = T.for_performance.replace("%(show)s", answer.ticket_performance.show).replace("%(date)s", when);
  } else if (answer.reason && T["reason_" + answer.reason]) {
    detail.textContent = T["reason_" + answer.reason];
  } else if (answer.detail) {
    detail.textContent = answer.detail;
  }
  beep(answer.result === "valid" && !conflict ? "valid" : CLASSES[answer.result] === "is-warn" || conflict ? "warn" : "refused");
  if (navigator.vibrate) navigator.vibrate(answer.result === "valid" ? 80 : [200, 80, 200]);
}

let audio = null;
function beep(kind) {
  try {
    audio = audio || new (window.AudioContext || window.webkitAudioContext)();
    const notes = { valid: [[880, 0, 0.15]], warn: [[660, 0, 0.12], [660, 0.18, 0.12]], refused: [[220, 0, 0.45]] }[kind];
    for (const [freq, start, length] of notes) {
      const osc = audio.createOscillator(), gain = audio.createGain();
      osc.type = kind === "refused" ? "square" : "sine";
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.25, audio.currentTime + start);
      gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + start + length);
      osc.connect(gain).connect(audio.destination);
      osc.start(audio.currentTime + start);
      osc.stop(audio.currentTime + start + length + 0.02);
    }
  } catch (error) {
    /* no sound on this device: the colour says it */
  }
}

function setNet(isOnline) {
  online = isOnline;
  $("door-net").classList.toggle("is-offline", !isOnline);
  $("door-net-text").textContent = isOnline ? T.online : T.offline;
}

async function showQueue() {
  const n = (await pending()).length;
  $("door-queue").textContent = n ? T.to_sync.replace("%(n)s", n) : "";
  $("door-sync-btn").hidden = !n;
}

function showCounts(counts) {
  $("count-scanned").textContent = counts.scanned;
  $("count-sold").textContent = counts.sold;
  $("count-capacity").textContent = counts.capacity;
  $("count-doors").textContent = counts.by_door.map((d) => `${d.door} ${d.scanned}`).join(" · ");
}

async function refreshCounts() {
  const saved = `parterre.door.counts.${PERF}`;
  if (!navigator.onLine) {
    // The last figures the server gave, and what this phone let in since (offline).
    const last = JSON.parse(localStorage.getItem(saved) || "null");
    const mine = (await idb.all("admitted")).filter((a) => a.key.startsWith(`${PERF}:`) && (!last || a.scanned_at > last.at)).length;
    if (last) showCounts({ ...last, scanned: last.scanned + mine });
    else $("count-scanned").textContent = mine;
    return;
  }
  try {
    const response = await fetch(config.countsUrl, { credentials: "same-origin" });
    if (!response.ok) return;
    const counts = await response.json();
    localStorage.setItem(saved, JSON.stringify({ ...counts, at: new Date().toISOString() }));
    showCounts(counts);
  } catch (error) {
    /* offline: the next poll will tell */
  }
}

// --- camera ----------------------------------------------------------------------------------
let stream = null, lastText = "", lastAt = 0;
async function startCamera() {
  const video = $("door-video");
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
  } catch (error) {
    show({ result: "unknown", reason: "", label: "", tariff: "", detail: T.camera_error });
    return stopCamera();
  }
  video.srcObject = stream;
  await video.play();
  $("door-camera").hidden = false;
  $("door-camera-btn").setAttribute("aria-pressed", "true");
  $("door-camera-btn").textContent = T.camera_off;
  const detector = "BarcodeDetector" in window ? new window.BarcodeDetector({ formats: ["qr_code"] }) : null;
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  const tick = async () => {
    if (!stream) return;
    let text = null;
    if (video.readyState >= 2) {
      if (detector) {
        const codes = await detector.detect(video).catch(() => []);
        text = codes.length ? codes[0].rawValue : null;
      } else if (window.jsQR) {
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        context.drawImage(video, 0, 0);
        const image = context.getImageData(0, 0, canvas.width, canvas.height);
        const code = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
        text = code ? code.data : null;
      }
    }
    // The same code held in front of the camera is one scan, not one per frame: it scans
    // again only after it was out of sight for two seconds.
    if (text) {
      const fresh = text !== lastText || Date.now() - lastAt > 2000;
      lastText = text;
      lastAt = Date.now();
      if (fresh) await scan(text);
      lastAt = Date.now();
    }
    setTimeout(tick, 150);
  };
  tick();
}
function stopCamera() {
  if (stream) stream.getTracks().forEach((t) => t.stop());
  stream = null;
  $("door-camera").hidden = true;
  $("door-camera-btn").setAttribute("aria-pressed", "false");
  $("door-camera-btn").textContent = T.camera_on;
}

// --- wiring ----------------------------------------------------------------------------------
const input = $("door-code");
$("door-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = input.value;
  input.value = "";
  scan(text).then(() => input.focus());
});
$("door-camera-btn").addEventListener("click", () => (stream ? stopCamera() : startCamera()));
$("door-sync-btn").addEventListener("click", () => syncQueue());
// A USB scanner types into whatever has focus: keep the field ready.
document.addEventListener("keydown", (event) => {
  if (document.activeElement !== input && event.key.length === 1 && !event.ctrlKey && !event.metaKey && !event.altKey) {
    input.focus();
  }
});
window.addEventListener("online", () => { setNet(true); syncQueue(); refreshBundle(); });
window.addEventListener("offline", () => setNet(false));
setNet(navigator.onLine);
document.body.dataset.doorReady = "loading";
loadBundle().then(showQueue).then(() => { document.body.dataset.doorReady = "ready"; syncQueue(); });
refreshCounts();
setInterval(() => { if (navigator.onLine) { refreshCounts(); syncQueue(); } }, 5000);
setInterval(() => { if (navigator.onLine) refreshBundle(); }, 60000);
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register(config.swUrl, { scope: config.scope }).catch(() => {});
  // This page itself, for a reload without network (the worker caches the next visits).
  if (navigator.onLine && window.caches) caches.open("parterre-door-v1").then((cache) => cache.add(location.href)).catch(() => {});
}
