// The customer's location on a Leaflet map, over the base layer (basemap.js: tiles when configured, else
// the offline outlines of China's provinces and cities).
// Leaflet (its script and styles, ~190 KB) is fetched only when the map is shown: on a desktop, not on a
// phone, where the map is hidden and the page's bar offers "navigate" instead.
document.addEventListener("DOMContentLoaded", () => {
  // A tooltip gets an element holding the text, never a string Leaflet would parse as HTML.
  const asText = (text) => Object.assign(document.createElement("span"), { textContent: text || "" });
  const el = document.getElementById("customer-map");
  if (!el || el.offsetParent === null) return; // no map, or hidden (a phone)

  function draw() {
    const position = [parseFloat(el.dataset.lat), parseFloat(el.dataset.lng)];
    const map = L.map(el, flBasemap.options(el, { zoomControl: true, attributionControl: false })).setView(position, 15);
    flBasemap.addTo(map, el);
    L.circleMarker(position, { radius: 9, color: "#066fd1", fillOpacity: 0.7 }).addTo(map).bindTooltip(asText(el.dataset.label));
  }

  if (typeof L !== "undefined") return draw();
  const styles = Object.assign(document.createElement("link"), { rel: "stylesheet", href: el.dataset.leafletCss });
  const script = Object.assign(document.createElement("script"), { src: el.dataset.leafletJs });
  script.addEventListener("load", draw);
  document.head.append(styles, script);
});
