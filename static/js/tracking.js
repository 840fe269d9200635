// The rep's tracking page: while it is open in working hours, the browser reads the position
// (watchPosition keeps the newest fix) and every interval one point goes to the outbox, which sends the
// points in batches when there is a signal. A browser cannot do this in the background: the time the page
// is closed or hidden has no point, and shows as a gap; nothing is ever made up.
(() => {
  "use strict";
  const page = document.getElementById("tracking-page");
  const state = document.getElementById("tracking-state");
  if (!page || !state || !page.dataset.on) return;
  if (!("geolocation" in navigator)) {
    state.textContent = page.dataset.textUnsupported;
    return;
  }
  const intervalMs = Number(page.dataset.interval) * 1000;
  let newest = null;
  let lastSent = 0;
  let battery = null;
  navigator.getBattery?.().then((b) => {
    const read = () => { battery = Math.round(b.level * 100); };
    read();
    b.addEventListener("levelchange", read);
  }).catch(() => {});

  const id = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`.replace(/[^0-9]/g, "").padEnd(32, "0")
    .replace(/^(.{8})(.{4})(.{3})(.{3})(.{12}).*/, "$1-$2-4$3-8$4-$5"));
  const finite = (value) => (Number.isFinite(value) ? value : null);

  function take(position) {
    const c = position.coords;
    const at = position.timestamp || Date.now();
    if (at - lastSent < intervalMs * 0.9) return; // one point per interval
    lastSent = at;
    const point = {
      id: id(), at: new Date(at).toISOString(), latitude: c.latitude, longitude: c.longitude,
      accuracy: Math.max(1, c.accuracy || 1), speed: finite(c.speed), heading: finite(c.heading),
      provider: "unknown", battery, mocked: false,
    };
    window.fieldloopOutbox?.queuePoints(page.dataset.url, [point], page.dataset.label);
    state.textContent = page.dataset.textSending
      .replace("%(time)s", new Date(at).toLocaleTimeString(document.documentElement.lang || undefined))
      .replace("%(accuracy)s", String(Math.round(c.accuracy || 0)));
  }

  function refused(error) {
    if (error.code === error.PERMISSION_DENIED) state.textContent = page.dataset.textDenied;
  }

  navigator.geolocation.watchPosition((p) => { newest = p; take(p); }, refused,
    { enableHighAccuracy: true, maximumAge: 30000, timeout: 60000 });
  // Standing still, a phone may report no new fix: read one each interval all the same.
  setInterval(() => {
    if (document.hidden) return;
    if (newest && Date.now() - newest.timestamp < intervalMs / 2) take(newest);
    else navigator.geolocation.getCurrentPosition((p) => { newest = p; take(p); }, refused,
      { enableHighAccuracy: true, maximumAge: intervalMs / 2, timeout: 60000 });
  }, intervalMs);
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && lastSent && Date.now() - lastSent > intervalMs * 2) state.textContent = page.dataset.textHidden;
  });
})();
