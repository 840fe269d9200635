/* Today (今日), and the customer list's "Nearby": read the phone's position (with its accuracy) and swap in
 * the customers nearest to it (the element marked `data-nearby`, its list `data-nearby-list`).
 *
 * The page arrives with the rep's own customers, so it is useful before (or without) a position. A fix
 * is asked for once on load and again on "Locate"; the nearby list comes back as a partial of the same
 * page (`?lat=&lon=&acc=`, HX-Request), a few kilobytes.
 */
(() => {
  "use strict";
  const root = document.querySelector("[data-nearby]");
  if (!root) return;
  const list = root.querySelector("[data-nearby-list]");
  const status = root.querySelector("[data-locate-status]");
  const button = root.querySelector("[data-locate]");
  const initialTitle = status.textContent;

  async function show(position) {
    const c = position.coords;
    const url = new URL(root.dataset.url, location.href);
    url.searchParams.set("lat", c.latitude.toFixed(6));
    url.searchParams.set("lon", c.longitude.toFixed(6));
    url.searchParams.set("acc", String(Math.max(1, Math.round(c.accuracy))));
    try {
      const response = await fetch(url, {
        headers: { "HX-Request": "true" },
        credentials: "same-origin",
      });
      if (!response.ok) throw new Error(String(response.status));
      list.innerHTML = await response.text();
      status.textContent = root.dataset.nearest || initialTitle;
    } catch {
      status.textContent = initialTitle;
    } finally {
      button.disabled = false;
    }
  }

  function failed() {
    status.textContent = root.dataset.denied;
    button.disabled = false;
  }

  function locate() {
    if (!navigator.geolocation) return failed();
    button.disabled = true;
    status.textContent = root.dataset.locating;
    navigator.geolocation.getCurrentPosition(show, failed, {
      enableHighAccuracy: true,
      timeout: 15000,
      maximumAge: 60000,
    });
  }

  button.addEventListener("click", locate);
  locate();
})();
