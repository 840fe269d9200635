"""A rep's first load of the phone pages on slow 3G (issue 10): Today, the check-in page and the visit form,
each cold (a new browser context: empty cache, no service worker) on a 360-px phone in headless Chromium,
throttled through CDP to 400 ms latency and 400 kbit/s down and up, in both languages.

Each figure is a median over the runs, and is read against a baseline measured in the same run through the
same throttled connection: one bare static HTML page (no stylesheet, script or font; incompressible text)
of as many bytes as the page moved in all, from a plain HTTP server on 127.0.0.1. `fcp_ratio` and
`load_ratio` say what the page's requests and their order cost over moving its bytes in one response.

Data: the small demo company (fieldloop.demo, seed 42); actor: its rep (`rep`), whose Today lists his
customers nearest first. Static files are collected with production's storage and served by WhiteNoise
(bench.pageload.ProductionLiveServer), hashed and compressed as `make demo` serves them.
"""

import os
import random
import statistics
import string
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, StorageState, sync_playwright

from fieldloop.activities import visit_services
from fieldloop.activities.models import Visit, VisitType
from fieldloop.core.geo import SentFix
from fieldloop.customers.models import Customer
from fieldloop.demo.company import build_demo_company
from fieldloop.demo.context import DEMO_PASSWORD
from fieldloop.formtemplates.models import FormTemplate, Purpose
from fieldloop.org.models import Employee
from fieldloop.org.services import employee_set_language

from .harness import Database, Options, print_table, write_results
from .pageload import SLOW_3G, PageLoad, ProductionLiveServer, collect_static, first_load

RUNS = 7  # cold loads of each page (about 3 s each on slow 3G), and as many of its baseline
QUICK_RUNS = 2
LANGUAGES = ("zh-hans", "en")
BUDGET_REQUESTS = 8
BUDGET_KB = 150
PAINT_TARGET_MS = 5_000
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic"]
PHONE: dict[str, Any] = {
    "viewport": {"width": 360, "height": 780},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
}


@dataclass(frozen=True)
class Row:
    language: str
    page: str
    requests: int
    kb: float
    fcp_ms: float
    lcp_ms: float
    load_ms: float
    baseline_fcp_ms: float
    baseline_lcp_ms: float
    baseline_load_ms: float

    @property
    def fcp_ratio(self) -> float:
        return self.fcp_ms / self.baseline_fcp_ms

    @property
    def lcp_ratio(self) -> float:
        return self.lcp_ms / self.baseline_lcp_ms

    @property
    def load_ratio(self) -> float:
        return self.load_ms / self.baseline_load_ms


class _Baseline(BaseHTTPRequestHandler):
    """GET /<n>: an HTML page of n bytes in one response, uncompressed and incompressible."""

    def do_GET(self) -> None:
        if not self.path.strip("/").isdigit():
            self.send_error(404)
            return
        size = int(self.path.strip("/"))
        head = b"<!doctype html><meta charset=utf-8><title>baseline</title><link rel=icon href='data:,'><p>"
        tail = b"</p>"
        filler = "".join(random.choices(string.ascii_letters + " ", k=max(0, size - len(head) - len(tail))))  # noqa: S311
        body = head + filler.encode() + tail
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def baseline_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Baseline)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def median_of(loads: list[PageLoad], value: Callable[[PageLoad], float]) -> float:
    return statistics.median(value(load) for load in loads)


def run(options: Options, database: Database) -> None:
    runs = QUICK_RUNS if options.quick else RUNS
    start = time.perf_counter()
    company = build_demo_company(size="small", seed=42)
    assert company.org is not None
    rep = Employee.objects.select_related("user").get(org=company.org, user__username="rep")
    visit_form = FormTemplate.objects.get(org=company.org, purpose=Purpose.VISIT, is_active=True)
    visit_type = VisitType.objects.filter(org=company.org, is_active=True, steps__template=visit_form).first()
    shop = Customer.objects.filter(owner=rep, latitude__isnull=False, archived_at__isnull=True).order_by("pk")[0]
    size = {
        "customers": Customer.objects.filter(org=company.org).count(),
        "rep_customers": Customer.objects.filter(owner=rep).count(),
        "employees": Employee.objects.filter(org=company.org).count(),
        "generate_s": round(time.perf_counter() - start, 1),
        "network": f"{SLOW_3G.latency_ms} ms, {SLOW_3G.down_kbps} kbit/s down, {SLOW_3G.up_kbps} kbit/s up",
    }
    print(
        f"\n== pages on {database.vendor}: the small demo company ({size['customers']:,} customers, "
        f"{size['rep_customers']:,} the rep's) in {size['generate_s']} s; {runs} cold loads a page on slow 3G "
        f"({size['network']}), 360-px phone",
        flush=True,
    )
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # ORM calls while Playwright's loop runs in this thread
    rows: list[Row] = []
    details: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="fieldloop-bench-static-") as static_root:
        server = ProductionLiveServer(collect_static(Path(static_root)))
        server.start()
        try:
            with sync_playwright() as playwright, baseline_server() as baseline_url:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
                try:
                    for language in LANGUAGES:
                        employee_set_language(actor=rep, language=language)
                        measured = measure_language(browser, server.url, rep, shop, visit_type, visit_form, runs)
                        for page, loads in measured.items():
                            transferred = median_of(loads, lambda load: load.transferred)
                            baseline = [
                                first_load(cold(browser, None), f"{baseline_url}/{int(transferred)}", close=True)
                                for _ in range(runs)
                            ]
                            rows.append(
                                Row(
                                    language=language,
                                    page=page,
                                    requests=round(median_of(loads, lambda load: len(load.network_requests))),
                                    kb=transferred / 1024,
                                    fcp_ms=median_of(loads, lambda load: load.fcp_ms),
                                    lcp_ms=median_of(loads, lambda load: load.lcp_ms),
                                    load_ms=median_of(loads, lambda load: load.load_ms),
                                    baseline_fcp_ms=median_of(baseline, lambda load: load.fcp_ms),
                                    baseline_lcp_ms=median_of(baseline, lambda load: load.lcp_ms),
                                    baseline_load_ms=median_of(baseline, lambda load: load.load_ms),
                                )
                            )
                            details[f"{language} {page}"] = loads[-1].report()
                finally:
                    browser.close()
        finally:
            server.stop()
    report(rows, options)
    path = write_results(
        "pages",
        database,
        {
            "size": size,
            "runs": runs,
            "rows": [
                {**row.__dict__, "fcp_ratio": row.fcp_ratio, "lcp_ratio": row.lcp_ratio, "load_ratio": row.load_ratio}
                for row in rows
            ],
            "requests": details,
        },
    )
    print(f"results: {path}")


def cold(browser: Browser, session: StorageState | None) -> BrowserContext:
    """A new browser context (empty cache, no service worker), signed in with `session`'s cookies."""
    return browser.new_context(**PHONE, storage_state=session)


def measure_language(
    browser: Browser,
    url: str,
    rep: Employee,
    shop: Customer,
    visit_type: VisitType | None,
    form: FormTemplate,
    runs: int,
) -> dict[str, list[PageLoad]]:
    signing_in = browser.new_context(**PHONE)
    page = signing_in.new_page()
    page.goto(f"{url}/login/")
    page.fill("#id_username", rep.user.username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("form[action='/login/'] button[type=submit]")
    page.wait_for_url(f"{url}/**")
    session = signing_in.storage_state()
    signing_in.close()
    Visit.objects.filter(employee=rep, checked_out_at__isnull=True).delete()  # the check-in page, not a visit

    def loads(path: str) -> list[PageLoad]:
        return [first_load(cold(browser, session), url + path, close=True) for _ in range(runs)]

    measured = {"today": loads("/today/"), "check-in": loads(f"/visits/start/?customer={shop.pk}")}
    visit, _ = visit_services.visit_check_in(
        actor=rep,
        client_id=uuid.uuid4(),
        visit_type_id=visit_type.pk if visit_type else None,
        customer_id=shop.pk,
        position=SentFix(
            latitude=shop.latitude, longitude=shop.longitude, accuracy_m=10, fix_at=timezone.now(), mocked=False
        ),
    )
    measured["visit form"] = loads(f"/work/new/{form.pk}/?customer={shop.pk}&visit={visit.pk}")
    Visit.objects.filter(pk=visit.pk).delete()
    return measured


def report(rows: list[Row], options: Options) -> None:
    print(
        f"\nFirst load, median of the runs; baseline: one bare HTML page of the same bytes. Budget: at most "
        f"{BUDGET_REQUESTS} requests and {BUDGET_KB} KB, first paint under {PAINT_TARGET_MS / 1000:.0f} s."
    )
    print_table(
        ["language", "page", "requests", "KB", "fcp_ms", "lcp_ms", "load_ms", "base_fcp_ms", "base_lcp_ms",
         "base_load_ms", "fcp_ratio", "lcp_ratio", "load_ratio", "within"],
        [
            [row.language, row.page, row.requests, row.kb, row.fcp_ms, row.lcp_ms, row.load_ms, row.baseline_fcp_ms,
             row.baseline_lcp_ms, row.baseline_load_ms, f"{row.fcp_ratio:.2f}x", f"{row.lcp_ratio:.2f}x",
             f"{row.load_ratio:.2f}x",
             "yes" if row.requests <= BUDGET_REQUESTS and row.kb <= BUDGET_KB and row.lcp_ms < PAINT_TARGET_MS
             else "NO"]
            for row in rows
        ],
    )  # fmt: skip
