// An employee's day on a Leaflet map: the simplified track, stops, gaps (dashed: unverified), and a
// playback slider over the raw points. Base layer: basemap.js.
document.addEventListener("DOMContentLoaded", () => {
  const el = document.getElementById("track-map");
  const source = document.getElementById("track-data");
  if (!el || !source || typeof L === "undefined") return;
  const data = JSON.parse(source.textContent);
  const asText = (text) => Object.assign(document.createElement("span"), { textContent: text || "" });
  const map = L.map(el, flBasemap.options(el, { zoomControl: true, attributionControl: false, maxZoom: 19 })).setView([31.23, 121.47], 11);
  flBasemap.addTo(map, el);
  const raw = data.raw;
  if (!raw.length) {
    el.append(Object.assign(document.createElement("div"), { className: "p-3 text-secondary", textContent: el.dataset.emptyLabel }));
    return;
  }
  const line = L.polyline(data.line, { color: "#066fd1", weight: 4, opacity: 0.8 }).addTo(map);
  // A gap joins the last point before it to the first after it: dashed, never a path.
  const byTime = new Map(raw.map((p) => [p[2], p]));
  for (const [start, end] of data.gaps) {
    const a = byTime.get(start);
    const b = byTime.get(end);
    if (a && b) {
      L.polyline([[a[0], a[1]], [b[0], b[1]]], { color: "#d63939", weight: 3, dashArray: "6 8", opacity: 0.9 })
        .addTo(map).bindTooltip(asText(el.dataset.gapLabel));
    }
  }
  data.stops.forEach(([lat, lng, name, start, minutes]) => {
    L.circleMarker([lat, lng], { radius: 9, color: "#f59f00", fillColor: "#f59f00", fillOpacity: 0.6 })
      .addTo(map).bindTooltip(asText(`${name || "?"} · ${start} · ${minutes} min`));
  });
  L.circleMarker(raw[0], { radius: 6, color: "#2fb344", fillOpacity: 1 }).addTo(map);
  L.circleMarker(raw[raw.length - 1], { radius: 6, color: "#1d273b", fillOpacity: 1 }).addTo(map);
  map.fitBounds(line.getBounds().pad(0.15));

  const cursor = L.circleMarker(raw[0], { radius: 8, color: "#d63939", fillColor: "#fff", fillOpacity: 1, weight: 3 }).addTo(map);
  const slider = document.getElementById("track-slider");
  const time = document.getElementById("track-time");
  const play = document.getElementById("track-play");
  const clock = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", timeZone: data.zone });
  const show = (i) => {
    const p = raw[i];
    cursor.setLatLng([p[0], p[1]]);
    time.textContent = clock.format(new Date(p[2]));
  };
  show(0);
  slider.addEventListener("input", () => show(Number(slider.value)));
  let timer = null;
  const label = play.querySelector("span");
  const stop = () => { clearInterval(timer); timer = null; label.textContent = play.dataset.play; };
  play.addEventListener("click", () => {
    if (timer) return stop();
    if (Number(slider.value) >= raw.length - 1) slider.value = "0";
    label.textContent = play.dataset.pause;
    timer = setInterval(() => {
      const next = Number(slider.value) + 1;
      if (next >= raw.length) return stop();
      slider.value = String(next);
      show(next);
    }, 120);
  });
});
