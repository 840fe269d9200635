/* Check-in and check-out: forms marked `data-geo` send the phone's position.
 *
 * Tapping the form's [data-geo-submit] button reads a fresh position (high accuracy, no cached fix, 15 s)
 * and fills the hidden latitude / longitude / accuracy / fix_at fields, then submits the form through
 * the usual path (outbox.js keeps it on the phone when there is no signal). When the server answers that
 * the position was too old (the form comes back marked data-stale), the page reads it again by itself,
 * once.
 */
(() => {
  "use strict";
  const OPTIONS = { enableHighAccuracy: true, maximumAge: 0, timeout: 15000 };

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

  function readAndSubmit(form, button) {
    if (!navigator.geolocation) { say(form, "unavailable"); return; }
    if (button) button.disabled = true;
    say(form, form.dataset.rereading === "1" ? "rereading" : "reading");
    navigator.geolocation.getCurrentPosition(
      (position) => {
        const c = position.coords;
        set(form, "latitude", c.latitude.toFixed(7));
        set(form, "longitude", c.longitude.toFixed(7));
        set(form, "accuracy", Math.round(c.accuracy * 10) / 10);
        set(form, "fix_at", new Date(position.timestamp || Date.now()).toISOString());
        set(form, "mocked", c.mocked || position.mocked ? "on" : "");
        say(form, "accuracy", { m: Math.round(c.accuracy) });
        if (button) button.disabled = false;
        form.requestSubmit();
      },
      (error) => {
        if (button) button.disabled = false;
        const key = { 1: "denied", 2: "unavailable", 3: "timeout" }[error.code] || "unavailable";
        say(form, key);
      },
      OPTIONS,
    );
  }

  document.querySelectorAll("form[data-geo]").forEach((form) => {
    const button = form.querySelector("[data-geo-submit]");
    button?.addEventListener("click", () => readAndSubmit(form, button));
    const reread = form.querySelector('input[name="reread"]');
    if (form.dataset.stale === "1" && reread && reread.value !== "1") {
      reread.value = "1"; // only once: a second stale answer waits for the rep to tap again
      form.dataset.rereading = "1";
      readAndSubmit(form, button);
    }
  });
})();
