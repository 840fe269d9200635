// The customer's location on a Leaflet map. Tiles only when the deployment configures a tile URL;
// without one the map still shows the marker on a plain background.
document.addEventListener("DOMContentLoaded", () => {
  const el = document.getElementById("customer-map");
  if (!el || typeof L === "undefined") return;
  const position = [parseFloat(el.dataset.lat), parseFloat(el.dataset.lng)];
  const map = L.map(el, { zoomControl: true, attributionControl: false }).setView(position, 15);
  if (el.dataset.tiles) {
    L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map);
  }
  L.circleMarker(position, { radius: 9, color: "#066fd1", fillOpacity: 0.7 }).addTo(map).bindTooltip(el.dataset.label);
});
