/* Check-in and check-out: forms marked `data-geo` send the phone's position.
 *
 * Tapping the form's [data-geo-submit] button reads a fresh position (high accuracy, no cached fix, 15 s)
 * and fills the hidden latitude / longitude / accuracy / fix_at fields. A form with `data-preview-url`
 * then asks the server what the check-in (or check-out) would be, by the rule the server applies when it is
 * sent, and shows its answer (a partial, in [data-verdict-box]): fine is sent at once; flagged (too far,
 * poor accuracy, a visit that will not count, ...) waits for a second, explicit tap on the answer's
 * [data-geo-confirm] button, which sets the hidden confirmation field it names; refused is not sent. Without
 * a signal the answer cannot be had: the page says so and a second tap sends it (outbox.js keeps it on the
 * phone), to be judged when it arrives. The check-in page reads the position as it opens when location
 * access was already given, and shows the answer before any tap. When the server answers that the position
 * was too old (the form comes back marked data-stale), the page reads it again by itself, once.
 */
(() => {
  "use strict";
  const OPTIONS = { enableHighAccuracy: true, maximumAge: 0, timeout: 15000 };
  const FRESH_MS = 60000; // a position read on opening the page is used by a tap within this time

  function say(form, key, values) {
    const status = form.querySelector("[data-geo-status]");
    const text = form.querySelector("[data-geo-text]")?.dataset || {};
    if (!status) return;
    let message = text[key] || "";
    for (const [name, value] of Object.entries(values || {})) message = message.replace(`%(${name})s`, value);
    status.textContent = message;
  }

  function set(form, name, value) {
    const input = form.querySelector(`input[name="${name}"]`);
    if (input) input.value = value;
  }

  function read(form) {
    return new Promise((resolve) => {
      if (!navigator.geolocation) { say(form, "unavailable"); resolve(false); return; }
      say(form, form.dataset.rereading === "1" ? "rereading" : "reading");
      navigator.geolocation.getCurrentPosition(
        (position) => {
          const c = position.coords;
          set(form, "latitude", c.latitude.toFixed(7));
          set(form, "longitude", c.longitude.toFixed(7));
          set(form, "accuracy", Math.round(c.accuracy * 10) / 10);
          set(form, "fix_at", new Date(position.timestamp || Date.now()).toISOString());
          set(form, "mocked", c.mocked || position.mocked ? "on" : "");
          form.dataset.readAt = String(Date.now());
          say(form, "accuracy", { m: Math.round(c.accuracy) });
          resolve(true);
        },
        (error) => {
          const key = { 1: "denied", 2: "unavailable", 3: "timeout" }[error.code] || "unavailable";
          say(form, key);
          resolve(false);
        },
        OPTIONS,
      );
    });
  }

  // The server's answer for the position read: "fine", "flagged", "refused", "error", or "offline".
  async function judge(form) {
    const box = form.querySelector("[data-verdict-box]");
    const url = form.dataset.previewUrl;
    if (!box || !url) return "fine";
    const query = new URLSearchParams();
    for (const [name, value] of new FormData(form)) {
      if (typeof value === "string" && !["csrfmiddlewaretoken", "client_id", "reread"].includes(name)) {
        query.append(name, value);
      }
    }
    say(form, "checking");
    try {
      const response = await fetch(`${url}?${query}`, { headers: { "HX-Request": "true" }, credentials: "same-origin" });
      if (response.status >= 500 || response.status === 0) throw new Error("unavailable");
      box.innerHTML = await response.text();
    } catch (_e) {
      const text = form.querySelector("[data-geo-text]")?.dataset || {};
      box.replaceChildren();
      const note = document.createElement("div");
      note.className = "alert alert-secondary mb-3";
      note.dataset.verdict = "offline";
      note.dataset.testid = "check-in-verdict";
      note.textContent = text.offline || "";
      box.append(note);
      form.dataset.verdict = "offline";
      say(form, "");
      return "offline";
    }
    say(form, "");
    const outcome = box.querySelector("[data-verdict]")?.dataset.verdict || "error";
    form.dataset.verdict = outcome;
    return outcome;
  }

  function send(form, confirmField) {
    if (confirmField) set(form, confirmField, "on");
    form.requestSubmit();
  }

  async function tap(form, button) {
    if (button) button.disabled = true;
    try {
      if (form.dataset.verdict === "offline") { // the second tap without a signal: go ahead, judged on arrival
        send(form, form.querySelector("[data-geo-confirm]")?.dataset.geoConfirm || confirmName(form));
        return;
      }
      const fresh = form.dataset.readAt && Date.now() - Number(form.dataset.readAt) < FRESH_MS;
      if (!fresh && !(await read(form))) return;
      const outcome = await judge(form);
      if (outcome === "fine") send(form);
      else if (outcome === "flagged") {
        const confirm = form.querySelector("[data-geo-confirm]");
        if (confirm) { confirm.hidden = false; confirm.focus(); }
      }
    } finally {
      if (button) button.disabled = false;
    }
  }

  function confirmName(form) {
    return form.querySelector('input[name="confirm_flagged"]') ? "confirm_flagged" : "confirm_not_effective";
  }

  async function preview(form) { // shows the answer without sending anything
    if (form.dataset.readAt && (await judge(form)) === "flagged") {
      form.querySelector("[data-geo-confirm]")?.setAttribute("hidden", "");
    }
  }

  document.querySelectorAll("form[data-geo]").forEach((form) => {
    const button = form.querySelector("[data-geo-submit]");
    button?.addEventListener("click", () => tap(form, button));
    form.addEventListener("click", (event) => {
      const confirm = event.target.closest("[data-geo-confirm]");
      if (!confirm || !form.contains(confirm)) return;
      confirm.disabled = true;
      const fresh = form.dataset.readAt && Date.now() - Number(form.dataset.readAt) < FRESH_MS;
      (fresh ? Promise.resolve(true) : read(form)).then((ok) => {
        confirm.disabled = false;
        if (ok) send(form, confirm.dataset.geoConfirm);
      });
    });
    // a different visit type or customer changes the answer: ask again for the position already read
    form.addEventListener("change", (event) => {
      if (event.target.name === "visit_type_id" || event.target.name === "customer_id") preview(form);
    });
    const reread = form.querySelector('input[name="reread"]');
    if (form.dataset.stale === "1" && reread && reread.value !== "1") {
      reread.value = "1"; // only once: a second stale answer waits for the rep to tap again
      form.dataset.rereading = "1";
      read(form).then((ok) => ok && form.requestSubmit());
    } else if (form.querySelector('input[name="confirm_flagged"]') && navigator.permissions) {
      // the check-in page: with location access already given, show the answer before any tap
      navigator.permissions.query({ name: "geolocation" }).then((status) => {
        if (status.state === "granted") read(form).then((ok) => ok && preview(form));
      }, () => {});
    }
  });
})();
