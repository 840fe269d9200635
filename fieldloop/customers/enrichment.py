"""Enrichment (更多资讯): providers that find out more about a customer, run as background tasks.

A provider has a `name` and `fetch(customer) -> ProviderResult`. `enrich_customer` stores a pending result
per provider and queues each through the `enqueue` it is given (`customers.tasks.enqueue_enrichment`,
which queues `enrich_customer_task`: this module never imports the task module); the task runs the provider and
stores what it found, or the failure with its error (a provider's exception never crashes the task).

Two providers:
- `website`: the customer's home page, fetched with a timeout, a size limit and at most 3 redirects; every
  connection's peer address is checked after connecting, so a private, loopback, link-local, multicast or
  reserved address is refused (server-side request forgery), unless
  `settings.FIELDLOOP_ENRICHMENT_ALLOW_PRIVATE` is True (tests against a local server).
- `registry`: the business-registry rows an admin imported (`registry_import`), matched by credit code,
  else by exact name.
"""

import hashlib
import http.client
import ipaddress
import re
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from typing import Any, Protocol
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fieldloop.core import spreadsheets
from fieldloop.core.errors import ErrorCode, ServiceError, invalid
from fieldloop.org.models import Employee
from fieldloop.org.permissions import Permission, has_permission

from . import credit_code as credit_codes
from .models import Customer, EnrichmentProvider, EnrichmentResult, EnrichmentStatus, RegistryCompany
from .selectors import customer_get

# A refresh while the previous one still waits for a worker enqueues nothing new.
PENDING_REUSE_SECONDS = 10 * 60


@dataclass
class ProviderResult:
    status: EnrichmentStatus
    data: dict[str, Any] = field(default_factory=dict)
    source: str = ""
    error: str = ""


class Provider(Protocol):
    name: str

    def fetch(self, customer: Customer) -> ProviderResult: ...


# --- The website provider ------------------------------------------------------------------------------

MAX_LINKS = 20
HTML_TYPES = ("text/html", "application/xhtml+xml")


class RefusedAddress(OSError):
    """The connection's peer, or a redirect's target, is an address the provider may not reach."""


def allow_private() -> bool:
    return bool(getattr(settings, "FIELDLOOP_ENRICHMENT_ALLOW_PRIVATE", False))


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (
        ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved
        or ip.is_unspecified or not ip.is_global
    )  # fmt: skip


def _check_peer(sock: socket.socket) -> None:
    if allow_private():
        return
    address = sock.getpeername()[0]
    if not is_public_address(address):
        sock.close()
        raise _refused(address)


def _refused(address: str) -> RefusedAddress:
    return RefusedAddress(_("Refused: %(address)s is a private or reserved address.") % {"address": address})


def _checked_create_connection(
    address: tuple[str, int], timeout: Any = None, source_address: Any = None
) -> socket.socket:
    """`socket.create_connection`, but every address the name resolves to is checked before any connection is
    tried: a private address is refused without a packet sent to it, so whether one of its ports is open
    never shows (and the connection goes only to an address that was checked: no DNS rebinding)."""
    host, port = address
    infos = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
    if not allow_private():
        for *_, sockaddr in infos:
            ip = str(sockaddr[0])
            if not is_public_address(ip):
                raise _refused(ip)
    error: OSError | None = None
    for family, socktype, proto, _canonical, sockaddr in infos:
        sock = socket.socket(family, socktype, proto)
        try:
            if timeout is not None and timeout is not socket._GLOBAL_DEFAULT_TIMEOUT:  # type: ignore[attr-defined]
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
            return sock
        except OSError as e:
            error = e
            sock.close()
    raise error or OSError(f"{host} has no address")


class _CheckedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _checked_create_connection

    def connect(self) -> None:
        super().connect()
        _check_peer(self.sock)


class _CheckedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _checked_create_connection

    def connect(self) -> None:
        # Check the TCP peer before the TLS handshake: connect plainly, check, then wrap.
        http.client.HTTPConnection.connect(self)
        _check_peer(self.sock)
        host = getattr(self, "_tunnel_host", None) or self.host
        self.sock = self._context.wrap_socket(self.sock, server_hostname=host)  # type: ignore[attr-defined]


class _CheckedHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_CheckedHTTPConnection, req)


class _CheckedHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_CheckedHTTPSConnection, req)


class _LimitedRedirectHandler(urllib.request.HTTPRedirectHandler):
    max_redirections = 3

    def redirect_request(
        self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> urllib.request.Request | None:
        if urlsplit(newurl).scheme not in ("http", "https"):
            raise urllib.error.URLError(RefusedAddress(_("Redirect to a non-web address refused.")))
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _opener() -> urllib.request.OpenerDirector:
    """No proxies from the environment (a proxy's address would hide the real peer), only http/https."""
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler({}),
        urllib.request.UnknownHandler(),
        urllib.request.HTTPDefaultErrorHandler(),
        _LimitedRedirectHandler(),
        urllib.request.HTTPErrorProcessor(),
        _CheckedHTTPHandler(),
        _CheckedHTTPSHandler(),
    ):
        opener.add_handler(handler)
    return opener


class _PageParser(HTMLParser):
    def __init__(self, base_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base_url = base_url
        self.title = ""
        self.description = ""
        self.keywords = ""
        self.links: list[dict[str, str]] = []
        self._seen: set[str] = set()
        self._in_title = False
        self._title_done = False
        self._link: dict[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "title" and not self._title_done:
            self._in_title = True
        elif tag == "meta":
            name = (a.get("name") or a.get("property") or "").lower()
            content = a.get("content", "").strip()
            if name in ("description", "og:description") and content and not self.description:
                self.description = content[:1000]
            elif name == "keywords" and content and not self.keywords:
                self.keywords = content[:1000]
        elif tag == "a" and a.get("href") and len(self.links) < MAX_LINKS:
            url = urljoin(self.base_url, a["href"].strip()).split("#", 1)[0]
            if urlsplit(url).scheme in ("http", "https") and url not in self._seen:
                self._seen.add(url)
                self._link = {"url": url[:500], "text": ""}
                self.links.append(self._link)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title" and self._in_title:
            self._in_title = False
            self._title_done = True
        elif tag == "a":
            self._link = None

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title = (self.title + data)[:300]
        if self._link is not None and len(self._link["text"]) < 200:
            self._link["text"] = " ".join((self._link["text"] + " " + data).split())[:200]


CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([\w-]+)""", re.IGNORECASE)


def _decode(body: bytes, header_charset: str | None) -> str:
    candidates = [header_charset] if header_charset else []
    sniffed = CHARSET.search(body[:4096])
    if sniffed:
        candidates.append(sniffed.group(1).decode("ascii", "ignore"))
    candidates += ["utf-8", "gb18030"]
    for charset in candidates:
        try:
            return body.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    return body.decode("utf-8", errors="replace")


class WebsiteProvider:
    name = EnrichmentProvider.WEBSITE.value

    def __init__(self, *, timeout: float = 5.0, max_bytes: int = 1024 * 1024) -> None:
        self.timeout = timeout
        self.max_bytes = max_bytes

    def fetch(self, customer: Customer) -> ProviderResult:
        url = customer.website.strip()
        if not url:
            return ProviderResult(EnrichmentStatus.NOT_FOUND, error=_("The customer has no website."))
        if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
            return ProviderResult(
                EnrichmentStatus.FAILED, source=url, error=_("Only http:// and https:// addresses are fetched.")
            )
        try:
            return self._fetch(url)
        except urllib.error.HTTPError as e:
            if e.code in (301, 302, 303, 307, 308):
                message = _("Too many redirects (at most %(count)d).") % {
                    "count": _LimitedRedirectHandler.max_redirections
                }
            else:
                message = _("The website answered HTTP %(code)d.") % {"code": e.code}
            return ProviderResult(EnrichmentStatus.FAILED, source=url, error=message)
        except urllib.error.URLError as e:
            reason = e.reason
            if isinstance(reason, RefusedAddress):
                return ProviderResult(EnrichmentStatus.FAILED, source=url, error=str(reason))
            if isinstance(reason, TimeoutError):
                return ProviderResult(EnrichmentStatus.FAILED, source=url, error=self._timeout_message())
            return ProviderResult(
                EnrichmentStatus.FAILED, source=url, error=_("The website could not be reached: %(reason)s") % {
                    "reason": reason
                },
            )  # fmt: skip
        except RefusedAddress as e:
            return ProviderResult(EnrichmentStatus.FAILED, source=url, error=str(e))
        except TimeoutError:
            return ProviderResult(EnrichmentStatus.FAILED, source=url, error=self._timeout_message())
        except (OSError, http.client.HTTPException, ValueError) as e:
            return ProviderResult(
                EnrichmentStatus.FAILED, source=url, error=_("The website could not be read: %(reason)s") % {
                    "reason": e.__class__.__name__
                },
            )  # fmt: skip

    def _timeout_message(self) -> str:
        return _("The website did not answer within %(seconds)s seconds.") % {"seconds": f"{self.timeout:g}"}

    def _too_large(self, url: str) -> ProviderResult:
        return ProviderResult(
            EnrichmentStatus.FAILED,
            source=url,
            error=_("The page is larger than %(size)d KB; reading stopped.") % {"size": self.max_bytes // 1024},
        )

    def _fetch(self, url: str) -> ProviderResult:
        request = urllib.request.Request(  # noqa: S310 (the scheme is checked above and on each redirect)
            url, headers={"User-Agent": "Fieldloop enrichment", "Accept": "text/html,application/xhtml+xml"}
        )
        deadline = time.monotonic() + self.timeout
        with _opener().open(request, timeout=self.timeout) as response:
            final_url = response.geturl()
            content_type = response.headers.get_content_type()
            if content_type not in HTML_TYPES:
                return ProviderResult(
                    EnrichmentStatus.FAILED,
                    source=final_url,
                    error=_("Not a web page (the content type is %(type)s).") % {"type": content_type},
                )
            length = response.headers.get("Content-Length", "")
            if length.isdigit() and int(length) > self.max_bytes:
                return self._too_large(final_url)
            chunks: list[bytes] = []
            size = 0
            while True:
                if time.monotonic() > deadline:
                    raise TimeoutError
                chunk = response.read(64 * 1024)
                if not chunk:
                    break
                size += len(chunk)
                if size > self.max_bytes:
                    return self._too_large(final_url)
                chunks.append(chunk)
            charset = response.headers.get_content_charset()
        parser = _PageParser(final_url)
        parser.feed(_decode(b"".join(chunks), charset))
        parser.close()
        keywords = [k.strip() for k in re.split(r"[,，、;；]", parser.keywords) if k.strip()][:30]
        data = {
            "url": final_url,
            "title": " ".join(parser.title.split()),
            "description": parser.description,
            "keywords": keywords,
            "links": parser.links,
        }
        if not (data["title"] or data["description"] or keywords or parser.links):
            return ProviderResult(
                EnrichmentStatus.NOT_FOUND,
                source=final_url,
                error=_("The page has no title, description, keywords or links."),
            )
        return ProviderResult(EnrichmentStatus.OK, data=data, source=final_url)


# --- The business-registry provider -----------------------------------------------------------------------


def registry_company_data(company: RegistryCompany) -> dict[str, Any]:
    return {
        "name": company.name,
        "credit_code": company.credit_code,
        "legal_representative": company.legal_representative,
        "registered_capital": company.registered_capital,
        "founded_on": company.founded_on.isoformat() if company.founded_on else "",
        "address": company.address,
        "business_scope": company.business_scope,
        "matched_by": "",
    }


class RegistryProvider:
    name = EnrichmentProvider.REGISTRY.value

    def fetch(self, customer: Customer) -> ProviderResult:
        rows = RegistryCompany.objects.filter(org_id=customer.org_id)
        company, matched_by = None, ""
        if customer.credit_code:
            company, matched_by = rows.filter(credit_code=customer.credit_code).first(), "credit_code"
        if company is None and customer.name.strip():
            company = rows.filter(name=customer.name.strip()).order_by("-imported_at", "-id").first()
            matched_by = "name"
        if company is None:
            return ProviderResult(
                EnrichmentStatus.NOT_FOUND,
                error=_("No company in the imported business registry has this credit code or name."),
            )
        data = registry_company_data(company) | {"matched_by": matched_by}
        return ProviderResult(EnrichmentStatus.OK, data=data, source=company.imported_from)


PROVIDERS: dict[str, Provider] = {}


def register(provider: Provider) -> None:
    PROVIDERS[provider.name] = provider


register(WebsiteProvider())
register(RegistryProvider())


# --- Running and reading ---------------------------------------------------------------------------------


def enrich_customer(
    *, actor: Employee, customer_id: int, enqueue: Callable[[int, str], object]
) -> list[EnrichmentResult]:
    """Queue every provider for a customer the actor can see, each by `enqueue(customer_id, provider)`;
    returns the pending results (one per provider). A provider still waiting from a recent refresh is not
    queued twice."""
    customer = customer_get(actor=actor, customer_id=customer_id)
    recent = timezone.now() - timedelta(seconds=PENDING_REUSE_SECONDS)
    pending: list[EnrichmentResult] = []
    to_run: list[str] = []
    with transaction.atomic():
        for name in PROVIDERS:
            waiting = EnrichmentResult.objects.filter(
                customer=customer, provider=name, status=EnrichmentStatus.PENDING, created_at__gte=recent
            ).first()
            if waiting is None:
                waiting = EnrichmentResult.objects.create(
                    org_id=customer.org_id, customer=customer, provider=name, status=EnrichmentStatus.PENDING
                )
                to_run.append(name)
            pending.append(waiting)
    for name in to_run:
        enqueue(customer.pk, name)
    return pending


def all_orgs_run_provider(*, customer_id: int, provider: str) -> EnrichmentResult | None:
    """The task's body: run one provider for one customer (any organization) and store its result in the
    newest pending row, or a new one. Any exception of the provider is stored as a failure."""
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        return None
    runner = PROVIDERS.get(provider)
    if runner is None:
        result = ProviderResult(EnrichmentStatus.FAILED, error=_("Unknown provider “%(name)s”.") % {"name": provider})
    else:
        try:
            result = runner.fetch(customer)
        except Exception as e:  # a provider's bug is stored as its failure, the task goes on
            result = ProviderResult(
                EnrichmentStatus.FAILED, error=_("The provider failed: %(error)s") % {"error": repr(e)[:300]}
            )
    if result.status == EnrichmentStatus.OK and not result.data:
        result = ProviderResult(
            EnrichmentStatus.FAILED, source=result.source, error=_("The provider returned no data.")
        )
    values = {
        "status": result.status, "data": result.data, "error": result.error, "source": result.source[:500],
        "fetched_at": timezone.now(),
    }  # fmt: skip
    with transaction.atomic():
        row = (
            EnrichmentResult.objects.select_for_update()
            .filter(customer=customer, provider=provider, status=EnrichmentStatus.PENDING)
            .order_by("-created_at", "-id")
            .first()
        )
        if row is None:
            return EnrichmentResult.objects.create(
                org_id=customer.org_id, customer=customer, provider=provider, **values
            )
        for name, value in values.items():
            setattr(row, name, value)
        row.save(update_fields=[*values, "updated_at"])
    return row


@dataclass
class ProviderPanel:
    provider: str
    label: str
    result: EnrichmentResult | None


def enrichment_latest(*, actor: Employee, customer: Customer) -> list[ProviderPanel]:
    """The newest result of each provider for a customer the caller already got through `customer_get`
    (one query per provider)."""
    labels = dict(EnrichmentProvider.choices)
    return [
        ProviderPanel(
            provider=name,
            label=str(labels.get(name, name)),
            result=EnrichmentResult.objects.filter(org_id=actor.org_id, customer=customer, provider=name)
            .order_by("-created_at", "-id")
            .first(),
        )
        for name in PROVIDERS
    ]


# --- Importing the business registry -----------------------------------------------------------------------

REGISTRY_COLUMNS = (
    "name", "credit_code", "legal_representative", "registered_capital", "founded_on", "address", "business_scope",
)  # fmt: skip
REGISTRY_HEADERS = {
    "name": ("name", "company name", "企业名称", "公司名称", "名称", "单位名称"),
    "credit_code": ("credit_code", "credit code", "unified social credit code", "统一社会信用代码", "信用代码"),
    "legal_representative": ("legal_representative", "legal representative", "法定代表人", "法人", "法人代表"),
    "registered_capital": ("registered_capital", "registered capital", "注册资本"),
    "founded_on": ("founded_on", "founded on", "founding date", "成立日期", "成立时间"),
    "address": ("address", "registered address", "地址", "注册地址", "住所"),
    "business_scope": ("business_scope", "business scope", "经营范围"),
}
TEXT_LIMITS = {"name": 200, "legal_representative": 60, "registered_capital": 60, "address": 300}
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")


@dataclass
class RegistryRow:
    number: int
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)

    def fail(self, column: str, message: str) -> None:
        self.errors.setdefault(column, []).append(message)


@dataclass
class RegistryImportResult:
    created: int
    replaced: int
    rows: list[RegistryRow]

    @property
    def error_count(self) -> int:
        return sum(1 for row in self.rows if row.errors)


def _header_key(text: str) -> str | None:
    normal = re.sub(r"\s+", " ", text.strip().rstrip("*＊")).lower()
    for key, names in REGISTRY_HEADERS.items():
        if normal in names or normal.replace(" ", "_") in names:
            return key
    return None


def _parse_date(text: str) -> date | None:
    text = text.strip().split("T", 1)[0].split(" ", 1)[0]
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()  # noqa: DTZ007 (a calendar date, no time of day)
        except ValueError:
            continue
    return None


def registry_read(*, filename: str, content: bytes) -> list[RegistryRow]:
    """Check every row of a registry file (.xlsx or CSV; headers in Chinese or English); writes nothing."""
    lines = spreadsheets.read_rows(filename=filename, content=content)
    header = next(lines, None) or []
    keys = [_header_key(text) for text in header]
    if "name" not in keys or "credit_code" not in keys:
        raise invalid("file", _("The first row must name the columns; the name and credit code columns are required."))
    rows: list[RegistryRow] = []
    first_row_of: dict[str, int] = {}
    for number, cells in enumerate(lines, start=2):
        if not any(cells):
            continue
        spreadsheets.check_row_count(len(rows))
        raw = {key: value.strip() for key, value in zip(keys, cells, strict=False) if key}
        row = RegistryRow(number=number)
        for column, limit in TEXT_LIMITS.items():
            text = raw.get(column, "")
            if len(text) > limit:
                row.fail(column, _("Enter at most %(limit)d characters.") % {"limit": limit})
            row.values[column] = text
        row.values["business_scope"] = raw.get("business_scope", "")
        if not row.values["name"]:
            row.fail("name", _("This field is required."))
        code = credit_codes.normalise(raw.get("credit_code", ""))
        if not credit_codes.is_valid(code):
            row.fail("credit_code", _("This is not a valid unified social credit code (18 characters, check digit)."))
        elif code in first_row_of:
            row.fail("credit_code", _("Same credit code as row %(number)d.") % {"number": first_row_of[code]})
        else:
            first_row_of[code] = number
        row.values["credit_code"] = code
        founded = raw.get("founded_on", "")
        row.values["founded_on"] = _parse_date(founded) if founded else None
        if founded and row.values["founded_on"] is None:
            row.fail("founded_on", _("Enter a date such as 2015-06-30."))
        rows.append(row)
    if not rows:
        raise invalid("file", _("The file has no company rows."))
    return rows


def registry_import(*, actor: Employee, filename: str, content: bytes) -> RegistryImportResult:
    """An admin imports a business-registry file: all or nothing. Each row replaces the organization's row
    with the same credit code."""
    if not has_permission(actor, Permission.MANAGE_ORGANIZATION):
        raise ServiceError(ErrorCode.FORBIDDEN, _("Only an administrator may import the business registry."))
    rows = registry_read(filename=filename, content=content)
    errors = sum(1 for row in rows if row.errors)
    if errors:
        message = ngettext(
            "%(count)d row has errors; nothing was imported.",
            "%(count)d rows have errors; nothing was imported.",
            errors,
        ) % {"count": errors}
        fields: dict[str, list[Any]] = {"file": [message]}
        for row in rows:
            fields |= {f"rows.{row.number}.{column}": list(msgs) for column, msgs in row.errors.items()}
        raise ServiceError(ErrorCode.INVALID, message, fields)
    now = timezone.now()
    name = (filename.rsplit("/", 1)[-1] or hashlib.sha256(content).hexdigest()[:12])[:200]
    codes = [row.values["credit_code"] for row in rows]
    with transaction.atomic():
        existing = RegistryCompany.objects.filter(org_id=actor.org_id, credit_code__in=codes)
        replaced = existing.count()
        existing.delete()
        RegistryCompany.objects.bulk_create(
            [RegistryCompany(org_id=actor.org_id, imported_from=name, imported_at=now, **row.values) for row in rows],
            batch_size=1000,
        )
    return RegistryImportResult(created=len(rows) - replaced, replaced=replaced, rows=rows)
