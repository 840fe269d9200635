"""The static files a phone downloads (issue 10's page budget).

- Production's storage (FIELDLOOP_MANIFEST_STATIC, as `make demo` runs): pages link hashed names, which
  WhiteNoise serves with a ten-year immutable cache, brotli or gzip by the browser's Accept-Encoding.
- The built assets (scripts/build_assets.py, `make install`): every `ti-` icon class the code uses is in the
  icon stylesheet and the subset font; the purged Tabler keeps what pages and scripts add at run time; a
  page using Tabler's JavaScript (collapse, tabs) loads it, since base.html no longer does.
"""

import gzip
import importlib.util
import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import brotli
import pytest
from django.conf import settings
from django.core.management import call_command
from django.templatetags.static import static
from django.test import Client
from django.test.utils import override_settings
from fontTools.ttLib import TTFont

BASE_DIR = Path(settings.BASE_DIR)
ASSETS = Path(settings.ASSETS_DIR)
TEN_YEARS = "max-age=315360000"
PRODUCTION_STORAGE = {"BACKEND": "fieldloop.core.staticfiles.VendorTolerantStaticFilesStorage"}
REBUILD = "the built assets are stale: run `make assets` (scripts/build_assets.py)"


def _build_assets() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_assets", BASE_DIR / "scripts" / "build_assets.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build_assets = _build_assets()


@pytest.fixture(scope="module")
def production_static(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """collectstatic with production's storage into a throw-away STATIC_ROOT, in effect for the module."""
    root = tmp_path_factory.mktemp("static")
    with override_settings(STATIC_ROOT=root, STORAGES={**settings.STORAGES, "staticfiles": PRODUCTION_STORAGE}):
        call_command("collectstatic", interactive=False, verbosity=0, ignore_patterns=["ninja"])
        yield root


def _get(url: str, accept_encoding: str) -> tuple[dict[str, str], bytes]:
    response = Client().get(url, HTTP_ACCEPT_ENCODING=accept_encoding)  # a new client: WhiteNoise as configured now
    assert response.status_code == 200, url
    body = response.getvalue()  # streamed (a file) or not
    return dict(response.headers), body


def test_pages_link_hashed_static_names(production_static, db):
    html = Client().get("/login/").content.decode()
    stylesheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert stylesheets == [static("css/fieldloop.css")]
    assert re.fullmatch(r"/static/css/fieldloop\.[0-9a-f]{12}\.css", stylesheets[0])
    assert 'rel="icon" href="data:image/svg+xml,' in html  # the favicon costs no request


@pytest.mark.parametrize(
    ("accept_encoding", "encoding", "decompress"),
    [("gzip, deflate, br, zstd", "br", brotli.decompress), ("gzip, deflate", "gzip", gzip.decompress)],
)
def test_hashed_files_are_cached_for_good_and_compressed_as_the_browser_accepts(
    production_static, accept_encoding, encoding, decompress
):
    for name in ("css/fieldloop.css", "vendor/htmx/htmx.min.js", "js/outbox.js"):
        url = static(name)
        headers, body = _get(url, accept_encoding)
        assert headers["Content-Encoding"] == encoding, name
        assert TEN_YEARS in headers["Cache-Control"] and "immutable" in headers["Cache-Control"], name
        assert "Accept-Encoding" in headers["Vary"]
        assert decompress(body) == (production_static / url.removeprefix("/static/")).read_bytes()
        assert len(body) < len(decompress(body)) / 2, name


def test_a_client_without_compression_gets_the_file_as_it_is(production_static):
    url = static("css/fieldloop.css")
    headers, body = _get(url, "identity")
    assert "Content-Encoding" not in headers
    assert body == (production_static / url.removeprefix("/static/")).read_bytes()


def test_the_icon_font_is_a_small_subset_cached_for_good(production_static):
    url = static("fonts/fieldloop-icons.woff2")
    headers, body = _get(url, "gzip, br")
    assert "Content-Encoding" not in headers  # woff2 is compressed already
    assert "immutable" in headers["Cache-Control"]
    assert len(body) < 30_000  # the whole webfont is 500 KB


def test_an_unhashed_name_is_not_cached_for_good(production_static):
    headers, _body = _get("/static/css/fieldloop.css", "br")  # only a stale page would ask for it
    assert "immutable" not in headers.get("Cache-Control", "")


# --- The built assets -----------------------------------------------------------------------------------------


def test_every_icon_class_the_code_uses_is_in_the_built_stylesheet_and_font():
    used = build_assets.icons_used()
    assert "ti-bell" in used and "ti-route" in used  # the scan finds the shell's icons
    codepoints = build_assets.icon_codepoints()
    css = (ASSETS / "css" / "fieldloop.css").read_text()
    missing_rules = [name for name in used if f".{name}:before" not in css]
    assert not missing_rules, f"icons used but not in css/fieldloop.css: {missing_rules}; {REBUILD}"
    font = TTFont(ASSETS / "fonts" / "fieldloop-icons.woff2")
    cmap = font.getBestCmap()
    missing_glyphs = [name for name in used if codepoints[name] not in cmap]
    assert not missing_glyphs, f"icons used but not in the font: {missing_glyphs}; {REBUILD}"
    assert len(cmap) < 2 * len(used)  # a subset, not the package's 6,000 icons


def test_the_icon_scan_finds_icons_in_templates_scripts_and_python():
    used = build_assets.icons_used()
    assert "templates/base.html" in used["ti-logout"]
    assert "static/js/outbox.js" in used["ti-cloud-check"]
    assert "fieldloop/org/context_processors.py" in used["ti-sitemap"]


def test_the_purged_stylesheet_keeps_what_scripts_and_values_add():
    css = (ASSETS / "css" / "fieldloop.css").read_text()
    for selector in (
        ".collapse:not(.show)",
        ".alert-danger",
        ".alert-success",
        ".toast",
        ".btn-close",
        ".nav-link.active",
    ):
        assert selector in css, selector
    assert ".bottom-nav" in css  # app.css is in the bundle
    assert "sourceMappingURL" not in css
    assert len(css) < 250_000  # Tabler's whole CSS is 635 KB


def test_pages_that_use_tablers_javascript_load_it():
    """base.html no longer loads Tabler's JS (a phone page does not need it): a page with Bootstrap's data API
    (collapse, tabs, dropdowns, modals) loads it itself."""
    for path in (BASE_DIR / "templates").rglob("*.html"):
        text = path.read_text()
        if re.search(r'data-bs-(toggle|dismiss)="', text):
            assert "vendor/tabler/js/tabler.min.js" in text, path.relative_to(BASE_DIR)
