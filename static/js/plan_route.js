// The suggested route page. On a desktop (the map's column is shown) Leaflet is loaded and draws the stops,
// numbered in the suggested order, and the line between them; over the base layer (tiles when configured, else
// the offline outlines: basemap.js). On a phone nothing is loaded: the page is the ordered list.
// "From my position": the phone's position goes into the form and the route is asked again from there.
(() => {
  const script = document.currentScript;

  const locate = () => {
    const button = document.querySelector("[data-route-locate]");
    if (!button || !navigator.geolocation) return;
    button.addEventListener("click", () => {
      const form = button.closest("form");
      const label = button.innerHTML;
      button.disabled = true;
      button.textContent = button.dataset.locating;
      navigator.geolocation.getCurrentPosition(
        (p) => {
          form.querySelector("[data-route-lat]").value = p.coords.latitude.toFixed(6);
          form.querySelector("[data-route-lon]").value = p.coords.longitude.toFixed(6);
          form.submit();
        },
        () => {
          button.disabled = false;
          button.innerHTML = label;
          button.title = button.dataset.denied;
        },
        { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 },
      );
    });
  };

  const draw = (el) => {
    const stops = JSON.parse(el.dataset.stops || "[]");
    const map = L.map(el, flBasemap.options(el, { zoomControl: true, attributionControl: false }));
    flBasemap.addTo(map, el);
    const line = [];
    if (el.dataset.start) {
      const start = el.dataset.start.split(",").map(parseFloat);
      line.push(start);
      L.circleMarker(start, { radius: 7, color: "#2fb344", fillOpacity: 0.9 })
        .addTo(map)
        .bindTooltip(Object.assign(document.createElement("span"), { textContent: el.dataset.startLabel }));
    }
    for (const s of stops) {
      line.push([s.lat, s.lng]);
      // the label is the stop's number (the server's integer), never text Leaflet would parse as HTML
      const icon = L.divIcon({ className: "route-stop-label", html: String(Number(s.n)), iconSize: [24, 24] });
      L.marker([s.lat, s.lng], { icon })
        .addTo(map)
        .bindTooltip(Object.assign(document.createElement("span"), { textContent: `${s.n}. ${s.name}` }));
    }
    if (line.length > 1) L.polyline(line, { color: "#066fd1", weight: 3, opacity: 0.8 }).addTo(map);
    if (line.length) map.fitBounds(L.latLngBounds(line).pad(0.15));
    else map.setView([31.23, 121.47], 11);
    el.dataset.ready = "1";
  };

  const loadMap = () => {
    const el = document.getElementById("route-map");
    if (!el || !el.offsetParent) return; // hidden: a phone
    const css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = script.dataset.leafletCss;
    document.head.appendChild(css);
    const js = document.createElement("script");
    js.src = script.dataset.leafletJs;
    js.addEventListener("load", () => draw(el));
    document.head.appendChild(js);
  };

  document.addEventListener("DOMContentLoaded", () => {
    locate();
    loadMap();
  });
})();
