"""The offline base layer the maps draw without a tile server: the outlines scripts/build_assets.py writes
from the ECharts map data, as the server serves them, and the attributes every map page carries."""

import json
import math

from django.contrib.staticfiles import finders

from fieldloop.core.templatetags.maps import map_layers

PEOPLES_SQUARE = (121.4737, 31.2304)  # lon, lat
SUZHOU = (120.5853, 31.2989)
LHASA = (91.1172, 29.6469)


def served(path: str) -> dict:
    found = finders.find(path)
    assert found, f"{path} is not built: make install runs scripts/build_assets.py"
    with open(found, encoding="utf-8") as f:
        return json.load(f)


def inside(point: tuple[float, float], polygons: list) -> bool:
    """Ray casting over a MultiPolygon's outer rings and holes."""
    x, y = point
    hits = 0
    for polygon in polygons:
        for ring in polygon:
            for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
                if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
                    hits += 1
    return hits % 2 == 1


def containing(collection: dict, point: tuple[float, float]) -> list[str]:
    return [f["properties"]["name"] for f in collection["features"] if inside(point, f["geometry"]["coordinates"])]


def test_the_provinces_outline_china_and_place_its_cities_by_name():
    provinces = served("geo/china.json")
    names = {f["properties"]["name"] for f in provinces["features"]}
    assert len(names) == 34 and {"上海", "北京", "新疆", "西藏", "广东", "台湾", "香港"} <= names
    assert containing(provinces, PEOPLES_SQUARE) == ["上海"]
    assert containing(provinces, SUZHOU) == ["江苏"]
    assert containing(provinces, LHASA) == ["西藏"]
    assert containing(provinces, (2.3522, 48.8566)) == []  # Paris
    labels = {name: (lon, lat) for name, lon, lat in provinces["cities"]}
    assert len(labels) > 300
    assert math.dist(labels["杭州"], (120.155, 30.274)) < 0.3
    assert provinces["attribution"].startswith("Apache ECharts")


def test_the_cities_outlines_are_drawn_at_the_city_level():
    cities = served("geo/china-cities.json")
    assert len(cities["features"]) > 300
    assert containing(cities, SUZHOU) == ["苏州"]
    assert containing(cities, LHASA) == ["拉萨"]


def test_a_map_page_carries_the_tiles_or_the_outlines(settings, cast):
    settings.FIELDLOOP_MAP_TILE_URL = ""
    page = cast.client_for(cast.manager).get("/customers/map/").content.decode()
    assert 'data-tiles=""' in page and 'data-basemap="/static/geo/china' in page
    settings.FIELDLOOP_MAP_TILE_URL = "https://tiles.example.com/{z}/{x}/{y}.png"
    settings.FIELDLOOP_MAP_TILE_CRS = "gcj02"
    assert 'data-tiles="https://tiles.example.com/{z}/{x}/{y}.png" data-tiles-crs="gcj02"' in map_layers()
