/* The outbox: forms marked `data-outbox` keep working without a signal.
 *
 * A submission is tried at once over the network; when the network fails (no signal, a timeout) it is
 * stored on the device in IndexedDB (its fields, photos as Blobs, the time it was captured, who
 * captured it) and sent again when the signal returns: on the `online` event, on every page load and
 * every 30 s while something waits. Every such form carries a client_id, so however many times a
 * submission reaches the server it is stored once. An item is only ever sent for the employee who
 * captured it. Elements marked `data-outbox-count` show how many submissions wait; an element marked
 * `data-outbox-list` lists them (the outbox page).
 *
 * The server's answer to a sent form carries its messages (Django messages, rendered once): they are read
 * from that answer and shown, so none is lost. A form sent at once shows them on the page it opens next;
 * a kept item sent later shows a toast "Sent: <what>" (or "Not accepted: <what>") on whatever page is open.
 *
 * JSON batches (`fieldloopOutbox.queuePoints(url, points, label)`: the tracking page's positions) wait in the
 * same store and are sent quietly as JSON, consecutive ones to the same URL merged into one request of at
 * most MAX_POINTS; every point carries its own id, so a batch sent twice is stored once.
 */
(() => {
  "use strict";
  const DB_NAME = "fieldloop-outbox";
  const STORE = "items";
  const RETRY_MS = 30000;
  const TIMEOUT_MS = 20000;
  const employeeId = document.body.dataset.employeeId || "";
  const text = { ...(document.getElementById("outbox-text")?.dataset || {}) };
  const FLASH = "fieldloop-outbox-flash";
  const TOAST_MS = 8000;
  let sending = false;
  const MAX_POINTS = 1000;

  function uuid() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  function database() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "id" });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  async function transact(mode, work) {
    const db = await database();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const result = work(tx.objectStore(STORE));
      tx.oncomplete = () => { db.close(); resolve(result && "result" in result ? result.result : undefined); };
      tx.onerror = () => { db.close(); reject(tx.error); };
    });
  }

  const allItems = () => transact("readonly", (s) => s.getAll());
  const putItem = (item) => transact("readwrite", (s) => s.put(item));
  const deleteItem = (id) => transact("readwrite", (s) => s.delete(id));
  const mine = (items) => items.filter((i) => i.employeeId === employeeId);

  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function bodyOf(item) {
    const body = new FormData();
    const token = csrfToken();
    for (const [name, value, filename] of item.entries) {
      if (name === "csrfmiddlewaretoken" && token) body.append(name, token); // the session's current token
      else if (value instanceof Blob) body.append(name, value, filename || "upload");
      else body.append(name, value);
    }
    return body;
  }

  /* The messages a page rendered (base.html marks them data-message), as [{level, text}]. */
  function messagesOf(html) {
    const page = new DOMParser().parseFromString(html, "text/html");
    return [...page.querySelectorAll("[data-message]")]
      .map((e) => ({ level: e.dataset.message || "info", text: e.textContent.trim() }))
      .filter((m) => m.text);
  }

  const level = (tag) => (tag === "error" ? "danger" : tag || "info");
  const format = (pattern, what) => (pattern || "%(what)s").replace("%(what)s", what);

  /* Show messages where the server would have: at the top of the page's content. */
  function showMessages(messages) {
    const where = document.querySelector(".page-body > .container-xl");
    if (!where) return;
    for (const message of [...messages].reverse()) {
      const alert = document.createElement("div");
      alert.className = `alert alert-${level(message.level)} alert-dismissible`;
      alert.setAttribute("role", "alert");
      alert.dataset.message = message.level;
      alert.textContent = message.text;
      where.prepend(alert);
    }
  }

  function toasts() {
    let box = document.querySelector("[data-outbox-toasts]");
    if (!box) {
      box = document.createElement("div");
      box.className = "toast-container position-fixed top-0 end-0 p-3";
      box.dataset.outboxToasts = "";
      box.dataset.testid = "outbox-toasts";
      document.body.append(box);
    }
    return box;
  }

  /* A toast on the open page: `title` ("Sent: …"), the server's messages or an error below it. */
  function toast(title, lines, ok) {
    const item = document.createElement("div");
    item.className = "toast show";
    item.setAttribute("role", ok ? "status" : "alert");
    item.setAttribute("aria-live", ok ? "polite" : "assertive");
    item.dataset.testid = "outbox-toast";
    const header = document.createElement("div");
    header.className = "toast-header";
    const icon = document.createElement("i");
    icon.className = `ti ${ok ? "ti-cloud-check text-success" : "ti-alert-triangle text-danger"} me-2`;
    const strong = document.createElement("strong");
    strong.className = "me-auto";
    strong.textContent = title;
    const close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close";
    close.setAttribute("aria-label", text.close || "Close");
    close.addEventListener("click", () => item.remove());
    header.append(icon, strong, close);
    item.append(header);
    const body = lines.filter(Boolean).join(" ");
    if (body) {
      const content = document.createElement("div");
      content.className = "toast-body";
      content.textContent = body;
      item.append(content);
    }
    toasts().append(item);
    if (ok) setTimeout(() => item.remove(), TOAST_MS);
  }

  function refusal(html) {
    const page = new DOMParser().parseFromString(html, "text/html");
    const found = [...page.querySelectorAll(".invalid-feedback, .alert-danger")].map((e) => e.textContent.trim());
    return found.filter(Boolean).join(" ") || text.refused || "Refused";
  }

  /* One attempt: "sent" (stored, the response redirected), "refused" (the server answered with the form
   * and its errors), or "waiting" (no answer, a server error, or signed out: try again later). */
  async function attemptJson(item) {
    let response;
    try {
      response = await fetch(item.url, {
        method: "POST",
        body: JSON.stringify(item.json),
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
        signal: AbortSignal.timeout ? AbortSignal.timeout(TIMEOUT_MS) : undefined,
      });
    } catch {
      return { state: "waiting", error: text.noSignal || "" };
    }
    if (response.ok) return { state: "sent", url: "", messages: [] };
    let body = {};
    try { body = await response.json(); } catch { /* not the API's error format */ }
    if (response.status === 401 || (response.status === 403 && body.code !== "forbidden")) {
      return { state: "waiting", error: text.signIn || "" }; // signed out, or the CSRF token changed
    }
    if (response.status >= 400 && response.status < 500) return { state: "refused", error: body.message || `HTTP ${response.status}` };
    return { state: "waiting", error: `HTTP ${response.status}` };
  }

  async function attempt(item) {
    if (item.json) return attemptJson(item);
    let response;
    try {
      response = await fetch(item.url, {
        method: "POST",
        body: bodyOf(item),
        credentials: "same-origin",
        headers: { "X-Fieldloop-Outbox": "1" },
        signal: AbortSignal.timeout ? AbortSignal.timeout(TIMEOUT_MS) : undefined,
      });
    } catch {
      return { state: "waiting", error: text.noSignal || "" };
    }
    const signedOut = response.redirected && new URL(response.url).pathname === document.body.dataset.loginUrl;
    if (signedOut) return { state: "waiting", error: text.signIn || "" };
    if (response.ok && response.redirected) {
      let messages = [];
      try { messages = messagesOf(await response.text()); } catch { /* sent all the same */ }
      return { state: "sent", url: response.url, messages };
    }
    if (response.ok) return { state: "refused", error: refusal(await response.text()) };
    if (response.status === 403) return { state: "waiting", error: text.signIn || "" };
    return { state: "waiting", error: `HTTP ${response.status}` };
  }

  let flushAgain = false;
  async function flush() {
    // No signal that the browser knows of: nothing is tried (the `online` event flushes when it returns).
    if (!employeeId || !navigator.onLine) return;
    if (sending) { // the signal came back (or a send was asked for) during a send: go again right after it
      flushAgain = true;
      return;
    }
    sending = true;
    try {
      const items = mine(await allItems()).filter((i) => i.state === "waiting");
      items.sort((a, b) => a.capturedAt.localeCompare(b.capturedAt));
      for (let k = 0; k < items.length; k++) {
        const item = items[k];
        const group = [item]; // consecutive point batches to the same URL go as one request
        let count = item.json ? item.json.points.length : 0;
        while (item.json && items[k + 1]?.json && items[k + 1].url === item.url
               && count + items[k + 1].json.points.length <= MAX_POINTS) {
          k += 1;
          group.push(items[k]);
          count += items[k].json.points.length;
        }
        const sent = group.length > 1 ? { ...item, json: { points: group.flatMap((i) => i.json.points) } } : item;
        const result = await attempt(sent);
        for (const member of group) {
          if (result.state === "sent") {
            await deleteItem(member.id);
            if (!member.quiet) toast(format(text.sent, member.label), result.messages.map((m) => m.text), true);
          } else {
            await putItem({ ...member, state: result.state, error: result.error, attempts: (member.attempts || 0) + 1 });
            if (result.state === "refused") toast(format(text.notAccepted, member.label), [result.error], false);
          }
        }
        if (result.state === "waiting") break; // still no signal: keep the order, try again later
      }
    } finally {
      sending = false;
      await render();
      if (flushAgain) {
        flushAgain = false;
        flush();
      }
    }
  }

  function entriesOf(form, submitter) {
    const data = submitter ? new FormData(form, submitter) : new FormData(form);
    return [...data.entries()]
      .filter(([, value]) => !(value instanceof File && value.size === 0 && !value.name)) // a file input left empty
      .map(([name, value]) => (value instanceof File ? [name, value, value.name] : [name, value]));
  }

  function stamp(form) {
    const captured = form.querySelector('input[name="captured_at"]');
    const now = new Date().toISOString();
    if (captured) captured.value = now;
    return now;
  }

  async function keep(form, submitter, capturedAt) {
    const clientId = form.querySelector('input[name="client_id"]')?.value || uuid();
    await putItem({
      id: clientId,
      url: form.action || location.href,
      entries: entriesOf(form, submitter),
      label: form.dataset.outbox || document.title,
      capturedAt,
      employeeId,
      state: "waiting",
      attempts: 0,
      error: "",
    });
    form.reset();
    const next = form.querySelector('input[name="client_id"]');
    if (next) next.value = uuid(); // the next submission is a new one
    const notice = form.querySelector("[data-outbox-notice]");
    if (notice) notice.hidden = false;
    await render();
  }

  async function submit(event) {
    const form = event.target.closest("form[data-outbox]");
    if (!form || form.dataset.outboxNative === "1") return;
    event.preventDefault();
    const submitter = event.submitter;
    const capturedAt = stamp(form);
    if (!navigator.onLine) return keep(form, submitter, capturedAt);
    const item = { url: form.action || location.href, entries: entriesOf(form, submitter) };
    form.querySelectorAll("button[type=submit]").forEach((b) => { b.disabled = true; });
    const result = await attempt(item);
    form.querySelectorAll("button[type=submit]").forEach((b) => { b.disabled = false; });
    if (result.state === "sent") {
      // the answer rendered the messages (and used them up): the next page shows them
      try { sessionStorage.setItem(FLASH, JSON.stringify(result.messages)); } catch { /* storage refused */ }
      location.assign(result.url);
    }
    else if (result.state === "refused") {
      form.dataset.outboxNative = "1"; // let the server show the errors on the form itself
      form.requestSubmit(submitter);
    } else await keep(form, submitter, capturedAt);
  }

  async function render() {
    let items = [];
    try { items = mine(await allItems()); } catch { return; }
    document.querySelectorAll("[data-outbox-count]").forEach((badge) => {
      badge.hidden = items.length === 0;
      const number = badge.querySelector("[data-outbox-number]") || badge;
      number.textContent = String(items.length);
    });
    const list = document.querySelector("[data-outbox-list]");
    if (!list) return;
    const template = document.getElementById("outbox-item");
    list.replaceChildren();
    document.querySelectorAll("[data-outbox-empty]").forEach((e) => { e.hidden = items.length > 0; });
    for (const item of items.sort((a, b) => a.capturedAt.localeCompare(b.capturedAt))) {
      const row = template.content.firstElementChild.cloneNode(true);
      row.dataset.id = item.id;
      row.querySelector("[data-label]").textContent = item.label;
      row.querySelector("[data-captured]").textContent = new Date(item.capturedAt).toLocaleString(document.documentElement.lang || undefined);
      row.querySelector("[data-state]").textContent = item.state === "refused" ? text.refused : text.waiting;
      row.querySelector("[data-state]").classList.add(item.state === "refused" ? "bg-danger-lt" : "bg-warning-lt");
      row.querySelector("[data-error]").textContent = item.error || "";
      row.querySelector("[data-discard]").addEventListener("click", async () => {
        if (confirm(text.confirmDiscard)) { await deleteItem(item.id); await render(); }
      });
      list.append(row);
    }
  }

  async function retryRefusedAndFlush() {
    for (const item of mine(await allItems())) if (item.state === "refused") await putItem({ ...item, state: "waiting" });
    await flush();
  }

  // A form opened from the phone's cache, or again with the back button (from the browser's cache or restored
  // whole), carries the client_id it had then: give every opening its own, or what is sent from the second
  // opening (another record, another bulk change) would be taken for a replay of the first and silently dropped.
  // Sending one opening twice (a double tap, the outbox's retries) still carries one client_id.
  const freshClientIds = () => {
    document.querySelectorAll("form input[name='client_id']").forEach((input) => { input.value = uuid(); });
  };
  freshClientIds();
  window.addEventListener("pageshow", (event) => { if (event.persisted) freshClientIds(); });
  document.addEventListener("submit", submit);
  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-outbox-send]")) retryRefusedAndFlush();
  });
  window.addEventListener("online", flush);
  setInterval(flush, RETRY_MS);
  /* Keep a batch of points (objects with their own `id`) for `url`; sent now if there is a signal. */
  async function queuePoints(url, points, label) {
    await putItem({
      id: uuid(), url, json: { points }, quiet: true, label: `${label || ""} (${points.length})`,
      capturedAt: new Date().toISOString(), employeeId, state: "waiting", attempts: 0, error: "",
    });
    await render();
    if (navigator.onLine) await flush();
  }

  window.fieldloopOutbox = { flush, queuePoints, items: async () => mine(await allItems()) };
  if ("serviceWorker" in navigator && document.body.dataset.serviceWorker) {
    navigator.serviceWorker.register(document.body.dataset.serviceWorker, { scope: "/" }).catch(() => {});
  }
  // Ask the service worker to keep the outbox page (what waits can be seen without a signal) and this page
  // when the server marked it offline-capable: the worker keeps the pages it serves, but a page that loaded
  // before the worker took control (the first one after signing in) did not go through it.
  if ("serviceWorker" in navigator && document.body.dataset.serviceWorker && navigator.onLine) {
    const urls = [document.body.dataset.outboxUrl];
    if ("offlineCapable" in document.body.dataset) urls.push(location.href.split("#")[0]);
    navigator.serviceWorker.ready.then((registration) => {
      registration.active?.postMessage({ type: "keep", urls: urls.filter(Boolean) });
    }).catch(() => {});
  }
  document.querySelectorAll("form[data-logout]").forEach((form) => {
    form.addEventListener("submit", () => { if (window.caches) caches.delete("fieldloop-pages"); });
  });
  try {
    const flashed = JSON.parse(sessionStorage.getItem(FLASH) || "[]");
    sessionStorage.removeItem(FLASH);
    showMessages(flashed);
  } catch { /* nothing to show */ }
  render().then(flush);
})();
