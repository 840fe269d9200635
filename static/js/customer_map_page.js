// The customer map page: the visible, located customers (fetched as JSON with the page's filters),
// clustered, with a density layer to toggle. The base layer: tiles when configured,
// else the offline outlines (basemap.js).
document.addEventListener("DOMContentLoaded", () => {
  const el = document.getElementById("customer-map-page");
  if (!el || typeof L === "undefined") return;
  const status = document.getElementById("map-status");
  const capped = document.getElementById("map-capped");
  const density = document.getElementById("map-density");
  const LEVEL_COLOURS = { A: "#d63939", B: "#f76707", C: "#066fd1" };

  const map = L.map(el, flBasemap.options(el, { zoomControl: true, attributionControl: false, maxZoom: 19 })).setView([35, 105], 4);
  flBasemap.addTo(map, el);
  const clusters = L.markerClusterGroup({ chunkedLoading: true, showCoverageOnHover: false });
  map.addLayer(clusters);
  let heat = null;

  const say = (text) => {
    status.textContent = text;
  };

  const popup = (id, name) => {
    const box = document.createElement("div");
    const title = document.createElement("strong");
    title.textContent = name;
    const link = document.createElement("a");
    link.href = el.dataset.detailUrl.replace(/0\/$/, `${id}/`);
    link.textContent = el.dataset.openLabel;
    link.className = "d-block mt-1";
    box.append(title, link);
    return box;
  };

  const show = (points) => {
    const markers = points.map(([lat, lng, id, name, level]) =>
      L.circleMarker([lat, lng], {
        radius: 7,
        color: LEVEL_COLOURS[level] || "#667382",
        weight: 2,
        fillOpacity: 0.7,
      }).bindPopup(() => popup(id, name)),
    );
    if (points.length) {
      const bounds = L.latLngBounds(points.map(([lat, lng]) => [lat, lng]));
      map.fitBounds(bounds, { padding: [24, 24], maxZoom: 15, animate: false });
    }
    clusters.addLayers(markers);
    heat = L.heatLayer(
      points.map(([lat, lng]) => [lat, lng, 1]),
      { radius: 20, blur: 15, minOpacity: 0.3 },
    );
    el.dataset.loaded = String(points.length);
  };

  density.addEventListener("change", () => {
    if (!heat) return;
    if (density.checked) {
      map.removeLayer(clusters);
      map.addLayer(heat);
    } else {
      map.removeLayer(heat);
      map.addLayer(clusters);
    }
  });

  fetch(el.dataset.pointsUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then((response) => {
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      capped.classList.toggle("d-none", response.headers.get("X-Fieldloop-Capped") !== "1");
      return response.json();
    })
    .then((points) => {
      show(points);
      say(points.length ? el.dataset.countLabel.replace("%(count)s", points.length) : el.dataset.emptyLabel);
    })
    .catch(() => {
      say(el.dataset.errorLabel);
      status.classList.replace("text-secondary", "text-danger");
    });
});
