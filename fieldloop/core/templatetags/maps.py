"""`{% map_layers %}`: the attributes a map's element carries for static/js/basemap.js: the tile URL and
its datum when the deployment configures tiles, and the offline outlines' files otherwise. `{{ metres|distance }}`:
a distance as `core.geo.distance_text` says it ("150 m", "2.3 km")."""

from django import template
from django.conf import settings
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import SafeString

from fieldloop.core.geo import distance_text

register = template.Library()


@register.filter
def distance(metres: float | None) -> str:
    return distance_text(None if metres is None else float(metres))


@register.simple_tag
def map_layers() -> SafeString:
    return format_html(
        'data-tiles="{}" data-tiles-crs="{}" data-basemap="{}" data-basemap-cities="{}"',
        settings.FIELDLOOP_MAP_TILE_URL,
        settings.FIELDLOOP_MAP_TILE_CRS,
        static("geo/china.json"),
        static("geo/china-cities.json"),
    )
