"""Build the front-end assets Fieldloop serves into build/static (run by `make install`; gitignored).

What a phone downloads on a slow network is what the product uses, and nothing else:

- css/fieldloop.css: one stylesheet for every page. Tabler's CSS purged (PurgeCSS from npm, against the
  templates, static/js and the Python code; see scripts/purgecss.config.cjs), the rules of the icons the
  product uses, and the product's own static/css/app.css and subtable.css.
- fonts/fieldloop-icons.woff2: @tabler/icons-webfont reduced to those icons (fontTools' subsetter).
  An icon is a `ti-<name>` class spelled out in a template, a script or a Python module (navigation,
  notification kinds...), found by ICON_CLASS below. Markup stays `<i class="ti ti-bell"></i>`.
- vendor/...: the few files of the npm packages the pages load (htmx, Tabler's JS for the pages with
  collapsible panels and tabs, Leaflet's styles and plugins for the maps), so that collectstatic copies,
  hashes and compresses megabytes instead of node_modules' whole dist folders.
- js/maps.js: Leaflet followed by static/js/basemap.js, the base layer every map draws (one request).
- geo/china.json, geo/china-cities.json: the offline base layer, from Apache ECharts 4.9's map data (the
  npm package `echarts-map-data`, an alias of echarts@4.9.0, the last release that ships it; Apache-2.0):
  its compact encoding decoded, outlines simplified (Douglas-Peucker, tracking.tracks.simplify) and rounded
  to what a base map needs. The provinces' file also lists every city's name and centre for the labels;
  the cities' outlines are fetched only when a map is zoomed in that far.

`python scripts/build_assets.py` rebuilds everything (a few seconds); `--check` only lists the icons found.
"""

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
NODE_MODULES = BASE_DIR / "node_modules"
OUT = BASE_DIR / "build" / "static"
ICONS = NODE_MODULES / "@tabler/icons-webfont/dist"
TABLER = NODE_MODULES / "@tabler/core/dist"

# Sources scanned for icon classes (and, by PurgeCSS, for every other class): the same as the CSS purge's.
SOURCES = (
    ("templates", "**/*.html"),
    ("fieldloop", "**/templates/**/*.html"),
    ("static/js", "**/*.js"),
    ("fieldloop", "**/*.py"),
)
SKIPPED_PARTS = {"tests", "migrations"}
ICON_CLASS = re.compile(r"(?<![\w-])ti-[a-z0-9]+(?:-[a-z0-9]+)*")
ICON_RULE = re.compile(r"\.(ti-[a-z0-9-]+):before\s*\{\s*content:\s*\"\\([0-9a-f]+)\";?\s*\}")
# Our own CSS, appended after Tabler's so that it wins ties.
OWN_CSS = ("static/css/app.css", "static/css/subtable.css")
# (source in node_modules, destination under build/static): what the pages load besides the bundle.
VENDOR_FILES = (
    ("htmx.org/dist/htmx.min.js", "vendor/htmx/htmx.min.js"),
    ("@tabler/core/dist/js/tabler.min.js", "vendor/tabler/js/tabler.min.js"),
    ("leaflet/dist/leaflet.css", "vendor/leaflet/leaflet.css"),
    ("leaflet/dist/images", "vendor/leaflet/images"),
    ("leaflet.markercluster/dist/leaflet.markercluster.js", "vendor/leaflet-markercluster/leaflet.markercluster.js"),
    ("leaflet.markercluster/dist/MarkerCluster.css", "vendor/leaflet-markercluster/MarkerCluster.css"),
    (
        "leaflet.markercluster/dist/MarkerCluster.Default.css",
        "vendor/leaflet-markercluster/MarkerCluster.Default.css",
    ),
    ("leaflet.heat/dist/leaflet-heat.js", "vendor/leaflet-heat/leaflet-heat.js"),
)
SOURCE_MAP = re.compile(rb"\n?(?://|/\*)# sourceMappingURL=[^\n]*\s*$")
MAPS_JS = (NODE_MODULES / "leaflet/dist/leaflet.js", BASE_DIR / "static/js/basemap.js")
MAP_DATA = NODE_MODULES / "echarts-map-data/map/json"
# (source, destination, simplification tolerance in metres, decimals kept): what a base map needs to read
# (a province drawn to 2 km and 1 km, a city to 1 km), not a survey.
OUTLINES = (
    ("china.json", "geo/china.json", 2_000, 2),
    ("china-cities.json", "geo/china-cities.json", 1_000, 2),
)


def source_files() -> list[Path]:
    files: set[Path] = set()
    for folder, pattern in SOURCES:
        for path in (BASE_DIR / folder).glob(pattern):
            if path.is_file() and not SKIPPED_PARTS & set(path.relative_to(BASE_DIR).parts):
                files.add(path)
    return sorted(files)


def icons_used() -> dict[str, list[str]]:
    """Each `ti-<name>` class the sources spell out, with the files that use it."""
    found: dict[str, list[str]] = {}
    for path in source_files():
        for name in sorted(set(ICON_CLASS.findall(path.read_text(encoding="utf-8", errors="replace")))):
            found.setdefault(name, []).append(str(path.relative_to(BASE_DIR)))
    return found


def icon_codepoints() -> dict[str, int]:
    """Every icon of the webfont package: class name to code point."""
    css = (ICONS / "tabler-icons.css").read_text(encoding="utf-8")
    return {name: int(code, 16) for name, code in ICON_RULE.findall(css)}


def build_icons(out: Path) -> str:
    """Subset the icon font into out/fonts; return the icon CSS (relative to out/css)."""
    from fontTools import subset

    used = icons_used()
    codepoints = icon_codepoints()
    unknown = {name: files for name, files in used.items() if name not in codepoints}
    if unknown:
        listed = "\n".join(f"  {name}: {', '.join(files)}" for name, files in sorted(unknown.items()))
        raise SystemExit(f"build_assets: these ti- classes are not icons of @tabler/icons-webfont:\n{listed}")
    (out / "fonts").mkdir(parents=True)
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = []
    options.name_IDs = []  # the font's names, copyright and license fields (the CSS below says whose it is)
    options.hinting = False
    options.notdef_outline = False
    font = subset.load_font(str(ICONS / "fonts/tabler-icons.ttf"), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[codepoints[name] for name in used])
    subsetter.subset(font)
    subset.save_font(font, str(out / "fonts/fieldloop-icons.woff2"), options)
    rules = "".join(f'.{name}:before{{content:"\\{codepoints[name]:x}"}}' for name in sorted(used))
    return (
        f"/* Tabler Icons (MIT, https://tabler.io): the {len(used)} icons Fieldloop uses */\n"
        '@font-face{font-family:"tabler-icons";font-style:normal;font-weight:400;font-display:block;'
        'src:url("../fonts/fieldloop-icons.woff2") format("woff2")}\n'
        '.ti{font-family:"tabler-icons"!important;speak:none;font-style:normal;font-weight:normal;'
        "font-variant:normal;text-transform:none;line-height:1;-webkit-font-smoothing:antialiased;"
        "-moz-osx-font-smoothing:grayscale}\n" + rules + "\n"
    )


def purged_tabler() -> str:
    purgecss = NODE_MODULES / ".bin/purgecss"
    if not purgecss.exists():
        raise SystemExit("build_assets: node_modules/.bin/purgecss is missing: run `make install` (npm ci)")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(  # noqa: S603 - the project's own PurgeCSS, arguments built here
            [str(purgecss), "--config", "scripts/purgecss.config.cjs", "--css", str(TABLER / "css/tabler.min.css"),
             "--output", tmp],
            cwd=BASE_DIR, check=True,
        )  # fmt: skip
        css = Path(tmp, "tabler.min.css").read_bytes()
    return SOURCE_MAP.sub(b"", css).decode("utf-8")


def copy_vendor(out: Path) -> None:
    for source, destination in VENDOR_FILES:
        src, dst = NODE_MODULES / source, out / destination
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst)
        else:  # without its source map comment: the map is not shipped (collectstatic would look for it)
            dst.write_bytes(SOURCE_MAP.sub(b"\n", src.read_bytes()))


def decode_ring(ring: str, offset: list[int], scale: float) -> list[tuple[float, float]]:
    """One ring of ECharts' encoded GeoJSON: character pairs of zigzag-encoded deltas from `offset`."""
    x, y = offset
    points = []
    for i in range(0, len(ring), 2):
        dx, dy = ord(ring[i]) - 64, ord(ring[i + 1]) - 64
        x += (dx >> 1) ^ -(dx & 1)
        y += (dy >> 1) ^ -(dy & 1)
        points.append((x / scale, y / scale))
    return points


def outlines(source: str, tolerance_m: float, decimals: int) -> dict[str, Any]:
    """ECharts' encoded map as plain GeoJSON: every feature a MultiPolygon, simplified and rounded."""
    sys.path.insert(0, str(BASE_DIR))
    from fieldloop.tracking.tracks import Sample, simplify

    data = json.loads((MAP_DATA / source).read_text(encoding="utf-8"))
    scale = data.get("UTF8Scale", 1024)
    anytime = datetime(2000, 1, 1, tzinfo=UTC)
    features = []
    for feature in data["features"]:
        geometry = feature["geometry"]
        encoded = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        offsets = [geometry["encodeOffsets"]] if geometry["type"] == "Polygon" else geometry["encodeOffsets"]
        polygons = []
        for rings, ring_offsets in zip(encoded, offsets, strict=True):
            kept = []
            for ring in (decode_ring(r, o, scale) for r, o in zip(rings, ring_offsets, strict=True)):
                indexes = simplify([Sample(anytime, lat, lon) for lon, lat in ring], tolerance_m)
                if len(indexes) >= 4:  # a closed ring with an area
                    kept.append([[round(ring[i][0], decimals), round(ring[i][1], decimals)] for i in indexes])
            if kept:
                polygons.append(kept)
        if polygons:
            properties = {"name": feature["properties"]["name"], "cp": feature["properties"].get("cp")}
            geometry = {"type": "MultiPolygon", "coordinates": polygons}
            features.append({"type": "Feature", "properties": properties, "geometry": geometry})
    return {"type": "FeatureCollection", "features": features}


def build_maps(out: Path) -> None:
    (out / "js").mkdir(parents=True, exist_ok=True)
    (out / "js/maps.js").write_bytes(b"\n".join(SOURCE_MAP.sub(b"\n", path.read_bytes()) for path in MAPS_JS))
    (out / "geo").mkdir()
    written: dict[str, dict[str, Any]] = {}
    for source, destination, tolerance_m, decimals in OUTLINES:
        written[destination] = outlines(source, tolerance_m, decimals)
    provinces, cities = written["geo/china.json"], written["geo/china-cities.json"]
    provinces["cities"] = [  # the names shown zoomed in, before (or without) the cities' outlines
        [f["properties"]["name"], *f["properties"]["cp"]] for f in cities["features"] if f["properties"]["cp"]
    ]
    provinces["attribution"] = cities["attribution"] = "Apache ECharts 4.9 map data (Apache-2.0)"
    for destination, data in written.items():
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        (out / destination).write_text(text, encoding="utf-8")


def build() -> None:
    OUT.parent.mkdir(exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="static-", dir=OUT.parent))
    try:
        icons_css = build_icons(tmp)
        (tmp / "css").mkdir()
        own = "".join(f"/* {name} */\n" + (BASE_DIR / name).read_text(encoding="utf-8") + "\n" for name in OWN_CSS)
        (tmp / "css/fieldloop.css").write_text(
            "/* Tabler (MIT, https://tabler.io), only the rules Fieldloop uses */\n"
            + purged_tabler()
            + "\n"
            + icons_css
            + own,
            encoding="utf-8",
        )
        copy_vendor(tmp)
        build_maps(tmp)
        if OUT.exists():
            shutil.rmtree(OUT)
        tmp.rename(OUT)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    size = sum(p.stat().st_size for p in OUT.rglob("*") if p.is_file())
    print(f"build_assets: {len(icons_used())} icons, {size / 1024:.0f} KB in {OUT.relative_to(BASE_DIR)}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="list the icons found and exit")
    args = parser.parse_args(argv)
    if args.check:
        for name, files in sorted(icons_used().items()):
            print(f"{name}\t{', '.join(files)}")
        return 0
    build()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
