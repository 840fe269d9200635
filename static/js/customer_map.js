// The customer's location on a Leaflet map. Tiles only when the deployment configures a tile URL;
// without one the map still shows the marker on a plain background.
document.addEventListener("DOMContentLoaded", () => {
  // A tooltip gets an element holding the text, never a string Leaflet would parse as HTML.
  const asText = (text) => Object.assign(document.createElement("span"), { textContent: text || "" });
  const el = document.getElementById("customer-map");
  if (!el || typeof L === "undefined") return;
  const position = [parseFloat(el.dataset.lat), parseFloat(el.dataset.lng)];
  const map = L.map(el, { zoomControl: true, attributionControl: false }).setView(position, 15);
  if (el.dataset.tiles) {
    L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map);
  }
  L.circleMarker(position, { radius: 9, color: "#066fd1", fillOpacity: 0.7 }).addTo(map).bindTooltip(asText(el.dataset.label));
});
