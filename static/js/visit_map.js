// A visit's small map: the customer's stored location and the check-in (and check-out) positions, with a
// line between the customer and the check-in. The base layer: tiles when
// configured, else the offline outlines (basemap.js).
document.addEventListener("DOMContentLoaded", () => {
  // A tooltip gets an element holding the text, never a string Leaflet would parse as HTML.
  const asText = (text) => Object.assign(document.createElement("span"), { textContent: text || "" });
  const el = document.getElementById("visit-map");
  if (!el || typeof L === "undefined") return;
  const point = (value) => (value ? value.split(",").map(parseFloat) : null);
  const map = L.map(el, flBasemap.options(el, { zoomControl: true, attributionControl: false }));
  flBasemap.addTo(map, el);
  const layers = [];
  const add = (at, color, label) => {
    if (!at) return;
    layers.push(L.circleMarker(at, { radius: 8, color, fillOpacity: 0.7 }).addTo(map).bindTooltip(asText(label)));
  };
  const customer = point(el.dataset.customer);
  const checkIn = point(el.dataset.checkIn);
  add(customer, "#d63939", el.dataset.customerLabel);
  add(checkIn, "#066fd1", el.dataset.checkInLabel);
  add(point(el.dataset.checkOut), "#2fb344", el.dataset.checkOutLabel);
  if (customer && checkIn) L.polyline([customer, checkIn], { color: "#667382", dashArray: "4 4", weight: 2 }).addTo(map);
  const bounds = L.featureGroup(layers).getBounds();
  if (layers.length > 1) map.fitBounds(bounds, { padding: [24, 24], maxZoom: 18 });
  else map.setView(bounds.getCenter(), 16);
});
