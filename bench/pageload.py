"""One page's first load on a throttled connection, as Chromium's DevTools protocol (CDP) reports it, from a
server that serves static files the production way.

Shared by the page budget browser test (tests/browser/test_page_budget.py), which counts the requests and
bytes, and the `pages` benchmark, which reports the paint and load times.

`first_load(context, url)` opens the URL in a new page of `context` with the network throttled (slow 3G by
default: 400 ms latency, 400 kbit/s down and up) and waits until the network is quiet. A cold load needs a
new browser context (empty HTTP cache, no service worker): the caller makes it.
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext

KBIT = 1000 / 8  # bytes per second in one kbit/s


@dataclass(frozen=True)
class Network:
    latency_ms: int = 400
    down_kbps: int = 400
    up_kbps: int = 400

    def cdp(self) -> dict[str, Any]:
        return {
            "offline": False,
            "latency": self.latency_ms,
            "downloadThroughput": self.down_kbps * KBIT,
            "uploadThroughput": self.up_kbps * KBIT,
        }


SLOW_3G = Network()


@dataclass
class Request:
    url: str
    resource_type: str = ""
    status: int = 0
    encoding: str = ""
    encoded_bytes: int = 0  # what crossed the network: headers and the (compressed) body
    from_cache: bool = False
    failed: str = ""


@dataclass
class PageLoad:
    url: str
    requests: list[Request] = field(default_factory=list)
    fcp_ms: float = 0.0  # first contentful paint
    lcp_ms: float = 0.0  # largest contentful paint: the page's main content painted (Chromium's "meaningful" paint)
    dom_content_loaded_ms: float = 0.0
    load_ms: float = 0.0  # the load event (every stylesheet, script, font and image of the page)
    html_bytes: int = 0  # the document's body as the server sent it, uncompressed

    @property
    def network_requests(self) -> list[Request]:
        return [r for r in self.requests if not r.from_cache and not r.url.startswith("data:")]

    @property
    def transferred(self) -> int:
        return sum(r.encoded_bytes for r in self.network_requests)

    def report(self) -> str:
        """One line per request, biggest first, then the totals: what a failed budget prints."""
        lines = [f"{self.url}: {len(self.network_requests)} requests, {self.transferred / 1024:.1f} KB transferred"]
        for r in sorted(self.network_requests, key=lambda r: -r.encoded_bytes):
            lines.append(
                f"  {r.encoded_bytes / 1024:7.1f} KB  {r.status or r.failed:>3}  {r.encoding or '-':<4} "
                f"{r.resource_type:<11} {r.url}"
            )
        lines.append(
            f"  first contentful paint {self.fcp_ms:.0f} ms, largest contentful paint {self.lcp_ms:.0f} ms, "
            f"load {self.load_ms:.0f} ms"
        )
        return "\n".join(lines)


PAINTS_JS = """() => new Promise((resolve) => {
  const nav = performance.getEntriesByType("navigation")[0];
  const fcp = performance.getEntriesByName("first-contentful-paint")[0];
  let lcp = 0;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) lcp = Math.max(lcp, e.startTime);
  }).observe({type: "largest-contentful-paint", buffered: true});
  setTimeout(() => resolve({
    fcp: fcp ? fcp.startTime : 0, lcp: lcp,
    dcl: nav ? nav.domContentLoadedEventEnd : 0, load: nav ? nav.loadEventEnd : 0,
    html: nav ? nav.decodedBodySize : 0,
  }), 0);
})"""


def first_load(
    context: BrowserContext,
    url: str,
    network: Network | None = SLOW_3G,
    timeout_ms: float = 120_000,
    close: bool = False,
) -> PageLoad:
    """Load `url` in a new page of `context` through the throttled network; every request it made. `close`:
    close the context afterwards (a context made for this one cold load)."""
    page = context.new_page()
    page.set_default_timeout(timeout_ms)
    cdp = context.new_cdp_session(page)
    requests: dict[str, Request] = {}

    def sent(event: dict[str, Any]) -> None:
        if event.get("redirectResponse"):  # the same id goes on to the redirect's target: keep both
            previous = requests.pop(event["requestId"])
            previous.status = event["redirectResponse"]["status"]
            previous.encoded_bytes = event["redirectResponse"].get("encodedDataLength", 0)
            requests[f"{event['requestId']}-{len(requests)}"] = previous
        requests[event["requestId"]] = Request(url=event["request"]["url"], resource_type=event.get("type", ""))

    def received(event: dict[str, Any]) -> None:
        if (r := requests.get(event["requestId"])) is not None:
            response = event["response"]
            headers = {k.lower(): v for k, v in response.get("headers", {}).items()}
            r.status = response["status"]
            r.encoding = headers.get("content-encoding", "")
            r.from_cache = bool(response.get("fromDiskCache") or response.get("fromServiceWorker"))

    def finished(event: dict[str, Any]) -> None:
        if (r := requests.get(event["requestId"])) is not None:
            r.encoded_bytes = int(event["encodedDataLength"])

    def failed(event: dict[str, Any]) -> None:
        if (r := requests.get(event["requestId"])) is not None:
            r.failed = event.get("errorText", "failed")

    def served_from_cache(event: dict[str, Any]) -> None:
        if (r := requests.get(event["requestId"])) is not None:
            r.from_cache = True

    cdp.on("Network.requestWillBeSent", sent)
    cdp.on("Network.responseReceived", received)
    cdp.on("Network.loadingFinished", finished)
    cdp.on("Network.loadingFailed", failed)
    cdp.on("Network.requestServedFromCache", served_from_cache)
    cdp.send("Network.enable")
    if network is not None:
        cdp.send("Network.emulateNetworkConditions", network.cdp())
    try:
        page.goto(url, wait_until="load")
        page.wait_for_load_state("networkidle")
        paints = page.evaluate(PAINTS_JS)
    finally:
        cdp.detach()
        page.close()
        if close:
            context.close()
    return PageLoad(
        url=url,
        requests=list(requests.values()),
        fcp_ms=paints["fcp"],
        lcp_ms=paints["lcp"],
        dom_content_loaded_ms=paints["dcl"],
        load_ms=paints["load"],
        html_bytes=paints["html"],
    )


# --- A live server that serves static files as production does ------------------------------------------------

PRODUCTION_STORAGE = {"BACKEND": "fieldloop.core.staticfiles.VendorTolerantStaticFilesStorage"}


def _production_settings(static_root: Path) -> Any:
    from django.conf import settings
    from django.test.utils import override_settings

    return override_settings(STATIC_ROOT=static_root, STORAGES={**settings.STORAGES, "staticfiles": PRODUCTION_STORAGE})


def collect_static(static_root: Path) -> Path:
    """collectstatic into `static_root` with production's storage (FIELDLOOP_MANIFEST_STATIC): hashed names, gzip
    and brotli copies. django-ninja's API docs (megabytes to compress) are left out: no page measured links them."""
    from django.core.management import call_command

    with _production_settings(static_root):
        call_command("collectstatic", interactive=False, verbosity=0, ignore_patterns=["ninja"])
    return static_root


class ProductionLiveServer:
    """A live server (a thread of this process, on 127.0.0.1) whose static files go through WhiteNoise, as in
    production: hashed names with a long, immutable cache, compressed by the client's Accept-Encoding.
    pytest-django's live_server wraps the app in StaticFilesHandler instead, which serves every file from the
    finders, uncompressed. While it runs, pages render the hashed names of `static_root`'s manifest."""

    def __init__(self, static_root: Path) -> None:
        from django.test.testcases import LiveServerThread

        self._settings = _production_settings(static_root)
        # No static handler around the app: WhiteNoise, a middleware inside it, serves the static files.
        self.thread = LiveServerThread("127.0.0.1", static_handler=lambda app: app)  # type: ignore[arg-type]
        self.thread.daemon = True

    def start(self) -> None:
        self._settings.enable()  # before the thread builds its handler: WhiteNoise reads STATIC_ROOT then
        self.thread.start()
        self.thread.is_ready.wait()
        if self.thread.error:
            self.stop()
            raise self.thread.error

    def stop(self) -> None:
        self.thread.terminate()
        self._settings.disable()

    @property
    def url(self) -> str:
        return f"http://{self.thread.host}:{self.thread.port}"
