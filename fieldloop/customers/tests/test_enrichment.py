"""Enrichment (更多资讯): the website provider against a local server, the SSRF guard, the business registry
import and match, the background task, the customer page's tab and the API."""

import io
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.tasks import task_backends
from django.test import Client, override_settings
from openpyxl import Workbook

from fieldloop.customers import credit_code, enrichment, services
from fieldloop.customers.enrichment import ProviderResult, RegistryProvider, WebsiteProvider, is_public_address
from fieldloop.customers.models import Customer, EnrichmentResult, EnrichmentStatus, RegistryCompany
from fieldloop.customers.tasks import enqueue_enrichment
from fieldloop.org import services as org_services

GOOD_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title> 上海精工机械 — 首页 </title>
<meta name="description" content="精密机床制造商">
<meta name="Keywords" content="机床, 数控，精密">
</head><body>{links}<a href="mailto:x@example.com">mail</a><a href="#top">top</a></body></html>"""
LINKS = "".join(f'<a href="/p/{i}">产品 {i}</a>' for i in range(30))

ALLOW_PRIVATE = override_settings(FIELDLOOP_ENRICHMENT_ALLOW_PRIVATE=True)


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # keep the test output clean
        pass

    def _send(self, body: bytes, content_type: str = "text/html; charset=utf-8", length: bool = True) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        path = self.path
        try:
            if path == "/good":
                self._send(GOOD_PAGE.format(links=LINKS).encode())
            elif path == "/gbk":
                page = "<html><head><title>北京科技</title></head></html>"
                self._send(page.encode("gb18030"), content_type="text/html; charset=gbk")
            elif path == "/empty":
                self._send(b"<html><body><p>hello</p></body></html>")
            elif path == "/big":  # 2 MB streamed without a Content-Length
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                self.wfile.write(b"<html><head><title>big</title></head><body>")
                for _ in range(32):
                    self.wfile.write(b"x" * 65536)
            elif path == "/big-declared":
                self._send(b"x" * (2 * 1024 * 1024))
            elif path == "/slow":
                time.sleep(5)
                self._send(GOOD_PAGE.format(links="").encode())
            elif path == "/json":
                self._send(b'{"title": "not html"}', content_type="application/json")
            elif path == "/missing":
                self.send_error(404)
            elif path.startswith("/hop/"):  # /hop/N redirects N times, then the good page
                n = int(path.rsplit("/", 1)[1])
                self._redirect(f"/hop/{n - 1}" if n > 1 else "/good")
            elif path.startswith("/to/"):  # /to/<host:port>/<path>
                self._redirect("http://" + path[len("/to/") :])
            elif path == "/to-ftp":
                self._redirect("ftp://example.com/file")
            else:
                self.send_error(404)
        except (BrokenPipeError, ConnectionResetError):  # the provider stopped reading, as it should
            pass


def _serve(host: str) -> Iterator[str]:
    server = ThreadingHTTPServer((host, 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def site() -> Iterator[str]:
    yield from _serve("127.0.0.1")


@pytest.fixture
def other_site() -> Iterator[str]:
    """A second local server on another loopback address (Linux answers on all of 127.0.0.0/8)."""
    yield from _serve("127.0.0.2")


def code(n: int) -> str:
    first17 = f"91310115MA1E{n:05d}"
    return first17 + credit_code.check_character(first17)


def customer_of(owner, name="上海精工机械有限公司", **values) -> Customer:
    return services.customer_create(actor=owner, client_id=uuid.uuid4(), name=name, **values)[0]


def fetch(url: str, **options) -> ProviderResult:
    # A generous timeout: a loaded CI machine must not turn a local page into a timeout (the slow-page
    # test passes its own short one).
    return WebsiteProvider(**({"timeout": 10.0} | options)).fetch(Customer(website=url))


def api(employee) -> Client:
    client = Client()
    secret = org_services.api_token_create(actor=employee, name="tests").secret
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return client


# --- The website provider -----------------------------------------------------------------------------


@ALLOW_PRIVATE
def test_the_website_provider_reads_title_description_keywords_and_twenty_links(site):
    result = fetch(site + "/good")
    assert result.status == EnrichmentStatus.OK
    assert result.data["title"] == "上海精工机械 — 首页"
    assert result.data["description"] == "精密机床制造商"
    assert result.data["keywords"] == ["机床", "数控", "精密"]
    assert len(result.data["links"]) == 20
    assert result.data["links"][0] == {"url": site + "/p/0", "text": "产品 0"}
    assert all(link["url"].startswith("http") for link in result.data["links"])
    assert result.source == site + "/good"


@ALLOW_PRIVATE
def test_the_website_provider_decodes_the_declared_charset(site):
    assert fetch(site + "/gbk").data["title"] == "北京科技"


@ALLOW_PRIVATE
def test_a_page_larger_than_the_limit_is_a_failure_and_reading_stops(site):
    for path in ("/big", "/big-declared"):
        result = fetch(site + path, max_bytes=256 * 1024)
        assert result.status == EnrichmentStatus.FAILED, path
        assert "256 KB" in result.error
        assert result.data == {}


@ALLOW_PRIVATE
def test_a_slow_page_times_out(site):
    started = time.monotonic()
    result = fetch(site + "/slow", timeout=0.3)
    assert result.status == EnrichmentStatus.FAILED
    assert "0.3" in result.error
    assert time.monotonic() - started < 4  # cut short, not the page's 5 s (a margin for a loaded machine)


@ALLOW_PRIVATE
def test_a_response_that_is_not_html_is_a_failure(site):
    result = fetch(site + "/json")
    assert result.status == EnrichmentStatus.FAILED
    assert "application/json" in result.error


@ALLOW_PRIVATE
def test_an_http_error_and_a_page_with_nothing_to_read_are_told_apart(site):
    missing = fetch(site + "/missing")
    assert missing.status == EnrichmentStatus.FAILED
    assert "404" in missing.error
    empty = fetch(site + "/empty")
    assert empty.status == EnrichmentStatus.NOT_FOUND
    assert empty.error


@ALLOW_PRIVATE
def test_at_most_three_redirects_are_followed(site):
    assert fetch(site + "/hop/3").status == EnrichmentStatus.OK
    too_many = fetch(site + "/hop/4")
    assert too_many.status == EnrichmentStatus.FAILED
    assert "3" in too_many.error


@ALLOW_PRIVATE
def test_a_redirect_to_another_scheme_is_refused(site):
    result = fetch(site + "/to-ftp")
    assert result.status == EnrichmentStatus.FAILED
    assert "redirect" in result.error.lower() or "重定向" in result.error


def test_an_https_address_on_loopback_is_refused_before_the_tls_handshake(site):
    result = fetch(site.replace("http://", "https://") + "/good")
    assert result.status == EnrichmentStatus.FAILED
    assert "127.0.0.1" in result.error


def test_without_the_setting_a_loopback_address_is_refused(site):
    result = fetch(site + "/good")
    assert result.status == EnrichmentStatus.FAILED
    assert "127.0.0.1" in result.error


def test_an_internal_port_open_or_closed_gets_the_same_refusal_without_a_connection(site):
    """Refused before connecting: the answer cannot tell an open internal port from a closed one."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        closed_port = closed.getsockname()[1]  # bound, never listening: a closed port
        open_result = fetch(site + "/good")
        closed_result = fetch(f"http://127.0.0.1:{closed_port}/good")
    assert open_result.status == closed_result.status == EnrichmentStatus.FAILED
    assert open_result.error == closed_result.error
    assert "127.0.0.1" in open_result.error


def test_a_name_resolving_to_a_private_address_is_refused_before_connecting(monkeypatch):
    connected: list[object] = []
    monkeypatch.setattr(socket.socket, "connect", lambda self, address: connected.append(address))
    result = fetch("http://localhost:9/")
    assert result.status == EnrichmentStatus.FAILED
    assert connected == []


def test_a_redirect_to_a_loopback_address_is_refused(site, other_site, monkeypatch):
    """127.0.0.1 stands in for a public web server; it redirects to 127.0.0.2, which is refused."""
    monkeypatch.setattr(enrichment, "is_public_address", lambda address: address == "127.0.0.1")
    assert fetch(site + "/good").status == EnrichmentStatus.OK  # the stand-in is reachable
    target = other_site.removeprefix("http://")
    result = fetch(f"{site}/to/{target}/good")
    assert result.status == EnrichmentStatus.FAILED
    assert "127.0.0.2" in result.error


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "224.0.0.1", "240.0.0.1",
     "0.0.0.0", "::1", "fe80::1", "fc00::1", "ff02::1", "::ffff:127.0.0.1", "100.64.0.1"],  # noqa: S104
)  # fmt: skip
def test_private_loopback_link_local_multicast_and_reserved_addresses_are_not_public(address):
    assert not is_public_address(address)


def test_public_addresses_are_public():
    assert is_public_address("8.8.8.8")
    assert is_public_address("2001:4860:4860::8888")


def test_a_customer_without_a_website_is_not_found_and_no_other_scheme_is_fetched():
    assert WebsiteProvider().fetch(Customer(website="")).status == EnrichmentStatus.NOT_FOUND
    assert WebsiteProvider().fetch(Customer(website="file:///etc/passwd")).status == EnrichmentStatus.FAILED


# --- The business registry ---------------------------------------------------------------------------------


def registry_csv(rows: list[list[str]], header: list[str] | None = None) -> bytes:
    header = header or ["企业名称", "统一社会信用代码", "法定代表人", "注册资本", "成立日期", "注册地址", "经营范围"]
    lines = [",".join(header)] + [",".join(row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


def registry_xlsx(rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.worksheets[0]
    sheet.append(["Name", "Credit code", "Legal representative", "Registered capital", "Founded on", "Address"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(content: bytes, name: str) -> io.BytesIO:
    file = io.BytesIO(content)
    file.name = name
    return file


def import_registry(client: Client, content: bytes, name: str = "registry.csv", key: uuid.UUID | None = None):
    return client.post(
        "/api/v1/customer-registry/imports",
        {"file": upload(content, name)},
        HTTP_IDEMPOTENCY_KEY=str(key or uuid.uuid4()),
    )


GOOD_ROWS = [
    ["上海精工机械有限公司", code(1), "张伟", "500万元人民币", "2015-06-30", "上海市浦东新区", "机床制造"],
    ["苏州新材料科技有限公司", code(2), "李娜", "1000万元", "2018/1/5", "苏州工业园区", "新材料"],
]


def test_an_admin_imports_the_registry_in_chinese_headers_and_a_replay_writes_nothing(cast):
    client = api(cast.admin)
    key = uuid.uuid4()
    first = import_registry(client, registry_csv(GOOD_ROWS), key=key)
    replay = import_registry(client, registry_csv(GOOD_ROWS), key=key)
    assert first.status_code == replay.status_code == 201
    assert first.json() == replay.json() == {"created": 2, "replaced": 0, "rows": 2}
    company = RegistryCompany.objects.get(credit_code=code(1))
    assert (company.org, company.legal_representative, str(company.founded_on)) == (cast.org, "张伟", "2015-06-30")
    assert company.imported_from == "registry.csv"
    assert str(RegistryCompany.objects.get(credit_code=code(2)).founded_on) == "2018-01-05"


def test_rows_replace_the_registry_rows_with_the_same_credit_code(cast):
    client = api(cast.admin)
    import_registry(client, registry_csv(GOOD_ROWS))
    renamed = [["上海精工机械股份有限公司", code(1), "王强", "", "", "", ""]]
    response = import_registry(client, registry_xlsx(renamed), name="update.xlsx")
    assert response.json() == {"created": 0, "replaced": 1, "rows": 1}
    company = RegistryCompany.objects.get(credit_code=code(1))
    assert (company.name, company.legal_representative, company.imported_from) == (
        "上海精工机械股份有限公司", "王强", "update.xlsx",
    )  # fmt: skip
    assert RegistryCompany.objects.count() == 2


def test_an_xlsx_with_english_headers_and_real_dates_imports(cast):
    from datetime import datetime

    content = registry_xlsx([["Hangzhou Cloud Ltd", code(3), "Zhao", "1M", datetime(2020, 3, 1), "Hangzhou"]])  # noqa: DTZ001
    assert import_registry(api(cast.admin), content, name="r.xlsx").status_code == 201
    assert str(RegistryCompany.objects.get().founded_on) == "2020-03-01"


def test_invalid_rows_are_reported_on_their_field_and_nothing_is_imported(cast):
    rows = [
        *GOOD_ROWS,
        ["坏公司", "91350100M000100Y44", "", "", "", "", ""],
        ["日期错", code(4), "", "", "去年", "", ""],
    ]
    rows.append(["重复", code(1), "", "", "", "", ""])
    response = import_registry(api(cast.admin), registry_csv(rows))
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["fields"]) == {"file", "rows.4.credit_code", "rows.5.founded_on", "rows.6.credit_code"}
    assert not RegistryCompany.objects.exists()


def test_a_file_without_the_needed_columns_or_of_another_type_is_a_field_error(cast):
    client = api(cast.admin)
    assert import_registry(client, registry_csv([["x"]], header=["名称"])).json()["fields"].keys() == {"file"}
    assert import_registry(client, b"hello", name="registry.pdf").status_code == 400
    assert import_registry(client, b"PK\x03\x04broken", name="registry.xlsx").status_code == 400
    assert not RegistryCompany.objects.exists()


def test_only_an_admin_imports_the_registry(cast):
    response = import_registry(api(cast.manager), registry_csv(GOOD_ROWS))
    assert response.status_code == 403
    assert not RegistryCompany.objects.exists()
    assert cast.client_for(cast.manager).get("/customers/registry/import/").status_code == 403


def test_the_import_page_imports_and_shows_row_errors(cast):
    client = cast.client_for(cast.admin)
    assert client.get("/customers/registry/import/").status_code == 200
    ok = client.post("/customers/registry/import/", {"file": upload(registry_csv(GOOD_ROWS), "r.csv")})
    assert ok.status_code == 200
    assert b'data-testid="registry-result"' in ok.content
    bad = client.post(
        "/customers/registry/import/", {"file": upload(registry_csv([["坏", "123", "", "", "", "", ""]]), "r.csv")}
    )
    assert bad.status_code == 400
    assert b'data-testid="registry-row-errors"' in bad.content
    assert RegistryCompany.objects.count() == 2


def test_the_registry_provider_matches_by_credit_code_then_by_exact_name_else_not_found(cast):
    import_registry(api(cast.admin), registry_csv(GOOD_ROWS))
    by_code = RegistryProvider().fetch(customer_of(cast.rep, name="别名", credit_code=code(1)))
    assert (by_code.status, by_code.data["name"], by_code.data["matched_by"]) == (
        "ok",
        "上海精工机械有限公司",
        "credit_code",
    )
    assert by_code.source == "registry.csv"
    by_name = RegistryProvider().fetch(customer_of(cast.rep, name="苏州新材料科技有限公司"))
    assert (by_name.status, by_name.data["credit_code"], by_name.data["matched_by"]) == ("ok", code(2), "name")
    nothing = RegistryProvider().fetch(customer_of(cast.rep, name="苏州新材料"))
    assert nothing.status == EnrichmentStatus.NOT_FOUND
    assert nothing.error


def test_another_organizations_registry_is_never_matched(cast):
    import_registry(api(cast.outsider), registry_csv(GOOD_ROWS))
    result = RegistryProvider().fetch(customer_of(cast.rep, credit_code=code(1)))
    assert result.status == EnrichmentStatus.NOT_FOUND


# --- The task, the page and the API -----------------------------------------------------------------------


@ALLOW_PRIVATE
def test_enriching_stores_each_providers_result_with_time_and_source(cast, site):
    import_registry(api(cast.admin), registry_csv(GOOD_ROWS))
    customer = customer_of(cast.rep, credit_code=code(1), website=site + "/good")
    response = api(cast.rep).post(f"/api/v1/customers/{customer.pk}/enrichment")
    assert response.status_code == 202
    assert {(r["provider"], r["status"]) for r in response.json()} == {("website", "pending"), ("registry", "pending")}
    results = {r["provider"]: r for r in api(cast.rep).get(f"/api/v1/customers/{customer.pk}/enrichment").json()}
    assert results["website"]["status"] == "ok"
    assert results["website"]["data"]["title"] == "上海精工机械 — 首页"
    assert results["website"]["source"] == site + "/good"
    assert results["website"]["fetched_at"]
    assert results["registry"]["status"] == "ok"
    assert results["registry"]["data"]["legal_representative"] == "张伟"
    assert EnrichmentResult.objects.count() == 2  # the pending rows were filled in, not added to


def test_a_failure_is_stored_as_failed_with_its_error_never_as_empty_data(cast, site):
    customer = customer_of(cast.rep, website=site + "/good")  # loopback: refused without the test setting
    enrichment.enrich_customer(actor=cast.rep, customer_id=customer.pk, enqueue=enqueue_enrichment)
    website = EnrichmentResult.objects.get(provider="website")
    assert (website.status, website.data) == ("failed", {})
    assert "127.0.0.1" in website.error
    assert EnrichmentResult.objects.get(provider="registry").status == "not_found"


def test_a_provider_that_raises_does_not_crash_the_task(cast, monkeypatch):
    class Broken:
        name = "website"

        def fetch(self, customer):
            raise RuntimeError("parser exploded")

    monkeypatch.setitem(enrichment.PROVIDERS, "website", Broken())
    customer = customer_of(cast.rep)
    enrichment.enrich_customer(actor=cast.rep, customer_id=customer.pk, enqueue=enqueue_enrichment)
    website = EnrichmentResult.objects.get(provider="website")
    assert website.status == "failed"
    assert "parser exploded" in website.error
    assert EnrichmentResult.objects.get(provider="registry").status == "not_found"


def test_a_refresh_still_waiting_for_a_worker_is_not_queued_twice(cast, monkeypatch):
    queued = []
    monkeypatch.setattr(task_backends["default"], "enqueue", lambda task, args, kwargs: queued.append(kwargs))
    customer = customer_of(cast.rep)
    first = enrichment.enrich_customer(actor=cast.rep, customer_id=customer.pk, enqueue=enqueue_enrichment)
    second = enrichment.enrich_customer(actor=cast.rep, customer_id=customer.pk, enqueue=enqueue_enrichment)
    assert [r.pk for r in first] == [r.pk for r in second]
    assert len(queued) == 2  # once per provider
    assert {r.status for r in first} == {"pending"}


def test_the_task_for_a_missing_customer_does_nothing(db):
    assert enrichment.all_orgs_run_provider(customer_id=10**9, provider="website") is None


def test_a_rep_cannot_enrich_or_read_a_customer_he_cannot_see(cast):
    customer = customer_of(cast.other_branch_rep)
    client = api(cast.rep)
    assert client.post(f"/api/v1/customers/{customer.pk}/enrichment").status_code == 404
    assert client.get(f"/api/v1/customers/{customer.pk}/enrichment").status_code == 404
    page = cast.client_for(cast.rep)
    assert page.post(f"/customers/{customer.pk}/enrichment/").status_code == 404
    assert page.get(f"/customers/{customer.pk}/enrichment/").status_code == 404
    assert not EnrichmentResult.objects.exists()
    assert api(cast.manager).get(f"/api/v1/customers/{customer.pk}/enrichment").status_code == 404
    assert api(cast.admin).post(f"/api/v1/customers/{customer.pk}/enrichment").status_code == 202


def test_the_more_information_tab_shows_each_providers_state(cast, monkeypatch):
    customer = customer_of(cast.rep)
    client = cast.client_for(cast.rep)
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert 'data-testid="enrichment-website" data-status="none"' in page
    assert 'data-testid="enrichment-refresh"' in page
    assert 'data-testid="registry-import-link"' not in page  # for administrators only
    admin_page = cast.client_for(cast.admin).get(f"/customers/{customer.pk}/").content.decode()
    assert 'data-testid="registry-import-link"' in admin_page
    response = client.post(f"/customers/{customer.pk}/enrichment/")
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{customer.pk}/#tab-more"
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert 'data-testid="enrichment-website" data-status="not_found"' in page
    assert 'data-testid="enrichment-registry" data-status="not_found"' in page


@ALLOW_PRIVATE
def test_the_refresh_by_htmx_answers_with_the_panel(cast, site):
    import_registry(api(cast.admin), registry_csv(GOOD_ROWS))
    customer = customer_of(cast.rep, credit_code=code(1), website=site + "/good")
    response = cast.client_for(cast.rep).post(f"/customers/{customer.pk}/enrichment/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    panel = response.content.decode()
    assert panel.startswith('<div id="enrichment-panel"')
    assert "精密机床制造商" in panel
    assert "张伟" in panel
    assert 'data-status="ok"' in panel


def test_a_pending_result_is_labelled_and_the_panel_polls(cast, monkeypatch):
    monkeypatch.setattr(task_backends["default"], "enqueue", lambda task, args, kwargs: None)  # no worker yet
    customer = customer_of(cast.rep)
    client = cast.client_for(cast.rep)
    panel = client.post(f"/customers/{customer.pk}/enrichment/", HTTP_HX_REQUEST="true").content.decode()
    assert 'data-status="pending"' in panel
    assert 'hx-trigger="every 3s"' in panel


def test_a_failure_is_shown_as_such_on_the_page(cast, site):
    customer = customer_of(cast.rep, website=site + "/good")
    client = cast.client_for(cast.rep)
    client.post(f"/customers/{customer.pk}/enrichment/")
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert 'data-testid="enrichment-website" data-status="failed"' in page
    assert 'data-testid="enrichment-error"' in page
