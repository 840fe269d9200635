// The base layer of every map (built into js/maps.js after Leaflet, so a page that loads Leaflet has it).
// With a tile URL configured (MAP_TILE_URL) the tiles are the base; a Chinese provider's tiles are drawn in
// GCJ-02 (MAP_TILE_CRS=gcj02), so the map's projection converts our WGS-84 positions at the edge, when
// drawing, and nothing else in the product ever sees a shifted coordinate. Without tiles (a fresh install,
// an intranet) the base is offline: China's provinces and, zoomed in, its cities' outlines with their names,
// from Apache ECharts' map data (scripts/build_assets.py writes geo/china.json and geo/china-cities.json).
// A map's element carries what the server says: data-tiles, data-tiles-crs, data-basemap,
// data-basemap-cities (the template tag `map_layers`).
(() => {
  const PI = Math.PI;
  const A = 6378245.0;
  const EE = 0.00669342162296594323;

  const outOfChina = (lat, lng) => lng < 72.004 || lng > 137.8347 || lat < 0.8293 || lat > 55.8271;

  const shiftLat = (x, y) => {
    let r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    r += ((20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0) / 3.0;
    r += ((20.0 * Math.sin(y * PI) + 40.0 * Math.sin((y / 3.0) * PI)) * 2.0) / 3.0;
    r += ((160.0 * Math.sin((y / 12.0) * PI) + 320 * Math.sin((y * PI) / 30.0)) * 2.0) / 3.0;
    return r;
  };

  const shiftLng = (x, y) => {
    let r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    r += ((20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0) / 3.0;
    r += ((20.0 * Math.sin(x * PI) + 40.0 * Math.sin((x / 3.0) * PI)) * 2.0) / 3.0;
    r += ((150.0 * Math.sin((x / 12.0) * PI) + 300.0 * Math.sin((x / 30.0) * PI)) * 2.0) / 3.0;
    return r;
  };

  // WGS-84 to GCJ-02 (the published algorithm); the inverse by two fixed-point steps (well under a metre).
  const toGcj = (lat, lng) => {
    if (outOfChina(lat, lng)) return [lat, lng];
    let dLat = shiftLat(lng - 105.0, lat - 35.0);
    let dLng = shiftLng(lng - 105.0, lat - 35.0);
    const radLat = (lat / 180.0) * PI;
    let magic = Math.sin(radLat);
    magic = 1 - EE * magic * magic;
    const sqrtMagic = Math.sqrt(magic);
    dLat = (dLat * 180.0) / (((A * (1 - EE)) / (magic * sqrtMagic)) * PI);
    dLng = (dLng * 180.0) / ((A / sqrtMagic) * Math.cos(radLat) * PI);
    return [lat + dLat, lng + dLng];
  };

  const fromGcj = (lat, lng) => {
    let wLat = lat;
    let wLng = lng;
    for (let i = 0; i < 2; i += 1) {
      const [gLat, gLng] = toGcj(wLat, wLng);
      wLat -= gLat - lat;
      wLng -= gLng - lng;
    }
    return [wLat, wLng];
  };

  const crs = (el) => {
    if (!el.dataset.tiles || el.dataset.tilesCrs !== "gcj02") return L.CRS.EPSG3857;
    const mercator = L.Projection.SphericalMercator;
    const projection = {
      project: (latlng) => mercator.project(L.latLng(...toGcj(latlng.lat, latlng.lng))),
      unproject: (point) => {
        const shifted = mercator.unproject(point);
        return L.latLng(...fromGcj(shifted.lat, shifted.lng));
      },
      bounds: mercator.bounds,
    };
    return L.extend({}, L.CRS.EPSG3857, { code: "GCJ02", projection });
  };

  const loaded = {};
  const load = (url) => {
    loaded[url] = loaded[url] || fetch(url, { credentials: "same-origin" }).then((r) => (r.ok ? r.json() : null));
    return loaded[url].catch(() => null);
  };

  const label = (name, latlng, pane) =>
    L.marker(latlng, {
      pane,
      interactive: false,
      keyboard: false,
      icon: L.divIcon({ className: "basemap-label", html: "", iconSize: null }),
    }).on("add", (e) => {
      e.target.getElement().textContent = name; // text, never HTML
    });

  const offline = (map, el) => {
    el.classList.add("basemap-offline");
    for (const [name, z] of [["basemap", 150], ["basemapLabels", 350]]) {
      map.createPane(name).style.zIndex = z;
      map.getPane(name).style.pointerEvents = "none";
    }
    const provinceNames = L.layerGroup();
    const cityNames = L.layerGroup();
    let cityOutlines = null;
    const show = () => {
      const zoom = map.getZoom();
      const cities = zoom >= 7;
      map[cities ? "removeLayer" : "addLayer"](provinceNames);
      map[cities ? "addLayer" : "removeLayer"](cityNames);
      if (zoom >= 8 && el.dataset.basemapCities && !cityOutlines) {
        cityOutlines = L.layerGroup().addTo(map);
        load(el.dataset.basemapCities).then((data) => {
          if (data) L.geoJSON(data, { pane: "basemap", interactive: false, style: { color: "#b8c2cc", weight: 1, dashArray: "4 3", fill: false } }).addTo(cityOutlines);
        });
      }
    };
    load(el.dataset.basemap).then((data) => {
      if (!data) return;
      L.geoJSON(data, {
        pane: "basemap",
        interactive: false,
        style: { color: "#8a96a3", weight: 1, fillColor: "#f7f5ef", fillOpacity: 1 },
      }).addTo(map);
      for (const f of data.features) {
        if (f.properties.cp) label(f.properties.name, [f.properties.cp[1], f.properties.cp[0]], "basemapLabels").addTo(provinceNames);
      }
      for (const [name, lng, lat] of data.cities || []) label(name, [lat, lng], "basemapLabels").addTo(cityNames);
      map.on("zoomend", show);
      show();
    });
  };

  // The options a map is created with (its projection), then its base layer once it exists.
  window.flBasemap = {
    options: (el, extra) => Object.assign({ crs: crs(el) }, extra),
    addTo: (map, el) => {
      if (el.dataset.tiles) L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map);
      else offline(map, el);
      return map;
    },
    toGcj,
    fromGcj,
  };
})();
