// The team's last positions, clustered, coloured by state, refreshed every 30 s without reloading.
document.addEventListener("DOMContentLoaded", () => {
  const el = document.getElementById("team-map");
  if (!el || typeof L === "undefined") return;
  const COLOURS = { visiting: "#2fb344", moving: "#066fd1", idle: "#f59f00", no_signal: "#9aa0ac" };
  const REFRESH_MS = 30000;
  const status = document.getElementById("team-status");
  const list = document.getElementById("team-list");
  const map = L.map(el, flBasemap.options(el, { zoomControl: true, attributionControl: false, maxZoom: 19 })).setView([35, 105], 4);
  flBasemap.addTo(map, el);
  const clusters = L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 40 });
  map.addLayer(clusters);
  let fitted = false;
  const age = (seconds) => {
    if (seconds === null) return el.dataset.neverLabel;
    if (seconds >= 5400) return el.dataset.hoursLabel.replace("%(hours)s", String(Math.round(seconds / 3600)));
    return el.dataset.ageLabel.replace("%(minutes)s", String(Math.round(seconds / 60)));
  };

  function draw(payload) {
    clusters.clearLayers();
    list.replaceChildren();
    const markers = [];
    for (const m of payload.members) {
      const row = document.createElement("a");
      row.className = "list-group-item list-group-item-action d-flex align-items-center gap-2";
      row.href = m.url;
      row.dataset.testid = "team-member";
      row.dataset.state = m.state;
      const dot = Object.assign(document.createElement("span"), { className: `track-dot track-${m.state}` });
      const text = Object.assign(document.createElement("div"), { className: "flex-fill text-truncate" });
      const name = Object.assign(document.createElement("div"), { className: "text-truncate", textContent: m.name });
      const info = Object.assign(document.createElement("div"), { className: "small text-secondary", textContent: `${m.label} · ${age(m.age_s)}` });
      text.append(name, info);
      row.append(dot, text);
      list.append(row);
      if (m.lat === null) continue;
      const marker = L.circleMarker([m.lat, m.lng], { radius: 8, color: "#fff", weight: 2, fillColor: COLOURS[m.state], fillOpacity: 1 });
      const tip = document.createElement("span");
      tip.textContent = `${m.name} · ${m.label} · ${m.at} (${age(m.age_s)})`;
      marker.bindTooltip(tip);
      marker.on("click", () => { location.assign(m.url); });
      markers.push(marker);
    }
    clusters.addLayers(markers);
    document.querySelectorAll("[data-count]").forEach((c) => { c.textContent = String(payload.counts[c.dataset.count] || 0); });
    if (!fitted && markers.length) {
      map.fitBounds(L.latLngBounds(markers.map((mk) => mk.getLatLng())).pad(0.2));
      fitted = true;
    }
    status.textContent = el.dataset.updatedLabel.replace("%(time)s", new Date(payload.now).toLocaleTimeString(document.documentElement.lang || undefined));
    status.dataset.loaded = "1";
  }

  function refresh() {
    fetch(el.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
      .then(draw)
      .catch(() => { status.textContent = el.dataset.errorLabel; });
  }
  refresh();
  setInterval(() => { if (!document.hidden) refresh(); }, REFRESH_MS);
});
