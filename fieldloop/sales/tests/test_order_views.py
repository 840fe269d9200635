import uuid
from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone

from fieldloop.activities import visit_services
from fieldloop.activities.tests.helpers import customer
from fieldloop.activities.tests.test_visits import located_customer
from fieldloop.core.geo import SentFix
from fieldloop.sales.models import Order, OrderAmendment, OrderLine, SalesDay
from fieldloop.sales.order_selectors import order_amount_by_day_many
from fieldloop.schedules.card_selectors import org_zone

from .order_helpers import an_order, product


def form_data(customer_id, lines, credits=(), **extra):
    data = {
        "client_id": str(uuid.uuid4()), "customer_id": customer_id or "", "signed_on": "2026-03-02",
        "lines-TOTAL_FORMS": str(len(lines)), "lines-INITIAL_FORMS": "0",
        "credits-TOTAL_FORMS": str(len(credits)), "credits-INITIAL_FORMS": "0", **extra,
    }  # fmt: skip
    for i, (pk, qty, price, discount) in enumerate(lines):
        data |= {f"lines-{i}-product_id": pk, f"lines-{i}-quantity": qty, f"lines-{i}-unit_price": price,
                 f"lines-{i}-discount_percent": discount}  # fmt: skip
    for i, (pk, share) in enumerate(credits):
        data |= {f"credits-{i}-employee_id": pk, f"credits-{i}-share_percent": share}
    return data


def test_a_rep_takes_an_order_from_the_customer_page_and_confirms_it(cast):
    client = cast.client_for(cast.rep)
    shop, item = customer(cast.rep), product(cast.org, price="1200")
    page = client.get(f"/customers/{shop.pk}/")
    assert f"/orders/new/?customer={shop.pk}" in page.content.decode()
    blank = client.get(f"/orders/new/?customer={shop.pk}")
    assert blank.status_code == 200 and shop.name in blank.content.decode()
    signed_today = timezone.now().astimezone(ZoneInfo(cast.org.time_zone)).date().isoformat()
    assert f'name="signed_on" value="{signed_today}"' in blank.content.decode()  # ISO, or a date picker shows nothing
    assert "/products/pick/" in blank.content.decode()  # the lines' product is the catalogue's searchable picker
    picked = client.get("/products/pick/", {"name": "l-0-product", "l-0-product-q": item.sku})
    assert item.sku in picked.content.decode()
    data = form_data(shop.pk, [(item.pk, "2", "1200", "5"), ("", "", "", "")], fixed="1", confirm="1")
    saved = client.post("/orders/new/", data)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    order = Order.objects.get()
    assert (order.status, order.kind, order.total) == ("confirmed", "new", Decimal("2280.00"))
    assert order.customer_id == shop.pk
    assert OrderLine.objects.count() == 1, "the blank row is no line"
    replay = client.post("/orders/new/", data)
    assert replay.status_code == 302 and Order.objects.count() == 1
    detail = client.get(saved["Location"])
    assert order.number in detail.content.decode() and "2,280.00" in detail.content.decode()  # grouped in Chinese too
    timeline = client.get(f"/customers/{shop.pk}/")
    assert f"timeline-order-{order.pk}" in timeline.content.decode()


def test_an_order_form_with_bad_lines_shows_the_errors_on_their_fields_and_writes_nothing(cast):
    client = cast.client_for(cast.manager)
    shop, item = customer(cast.rep), product(cast.org)
    data = form_data(
        shop.pk, [(item.pk, "-1", "10", "0"), (item.pk, "1", "-5", "120")], credits=[(cast.rep.pk, "60"),
                                                                                   (cast.rep2.pk, "30")], draft="1",
    )  # fmt: skip
    refused = client.post("/orders/new/", data)
    assert refused.status_code == 400
    page = refused.content.decode()
    for field in ("lines-0-quantity", "lines-1-unit_price", "lines-1-discount_percent"):
        assert f'data-testid="error-{field}"' in page, field
    assert 'data-testid="error-credits"' in page
    assert not Order.objects.exists()
    unseen = client.post("/orders/new/", form_data(customer(cast.other_branch_rep).pk, [(item.pk, "1", "1", "0")]))
    assert unseen.status_code == 400 and 'data-testid="error-customer_id"' in unseen.content.decode()
    grown = client.post("/orders/new/", data | {"add_line": "1"})
    assert grown.status_code == 200 and grown.content.decode().count('data-testid="order-line"') == 3


def test_an_order_taken_in_the_visit_in_progress_links_the_visit_and_keeps_its_customer(cast):
    client = cast.client_for(cast.rep)
    shop, item = located_customer(cast.rep), product(cast.org)
    vt = visit_services.visit_type_create(actor=cast.admin, name="巡店")
    fix = SentFix(float(shop.latitude), float(shop.longitude), 10, timezone.now())
    visit, _ = visit_services.visit_check_in(
        actor=cast.rep, client_id=uuid.uuid4(), visit_type_id=vt.pk, customer_id=shop.pk, position=fix
    )
    today = client.get("/today/")
    assert f"/orders/new/?visit={visit.pk}" in today.content.decode()
    form = client.get(f"/orders/new/?visit={visit.pk}")
    assert form.status_code == 200 and shop.name in form.content.decode()
    other = customer(cast.rep)
    saved = client.post(f"/orders/new/?visit={visit.pk}", form_data(other.pk, [(item.pk, "1", "10", "0")],
                                                                   visit_id=visit.pk, draft="1"))  # fmt: skip
    assert saved.status_code == 302
    order = Order.objects.get()
    assert (order.visit_id, order.customer_id, order.status) == (visit.pk, shop.pk, "draft")
    assert cast.client_for(cast.rep2).get(f"/orders/new/?visit={visit.pk}").status_code == 404


def test_a_confirmed_order_is_amended_with_a_reason_and_cancelled_with_one(cast):
    client = cast.client_for(cast.rep)
    shop, item = customer(cast.rep), product(cast.org)
    order = an_order(cast.rep, shop, lines=[(item, "1", "100", "0")], confirm=True, signed_on=date(2026, 3, 2))
    edit = client.get(f"/orders/{order.pk}/edit/")
    assert edit.status_code == 200 and 'name="reason"' in edit.content.decode()
    assert 'name="credits-0-share_percent" value="100"' in edit.content.decode(), "shares as typed, never 1E+2"
    data = form_data(shop.pk, [(item.pk, "2", "100", "0")], save="1") | {"signed_on": "2026-03-02"}
    no_reason = client.post(f"/orders/{order.pk}/edit/", data)
    assert no_reason.status_code == 400 and not OrderAmendment.objects.exists()
    amended = client.post(f"/orders/{order.pk}/edit/", data | {"reason": "客户追加一台"})
    assert amended.status_code == 302, amended.content.decode()[:3000]
    order.refresh_from_db()
    assert (order.total, order.revision) == (Decimal("200.00"), 1)
    assert "客户追加一台" in client.get(f"/orders/{order.pk}/").content.decode()
    assert client.post(f"/orders/{order.pk}/cancel/", {"reason": ""}).status_code == 400
    cancelled = client.post(f"/orders/{order.pk}/cancel/", {"reason": "客户取消采购"})
    assert cancelled.status_code == 302
    order.refresh_from_db()
    assert order.status == "cancelled"
    assert SalesDay.objects.get(employee=cast.rep).sales_amount == Decimal("0.00")
    refused = client.post(f"/orders/{order.pk}/edit/", data | {"reason": "再改"})
    assert refused.status_code == 302 and not Order.objects.filter(revision=2).exists()


def test_the_order_list_shows_mine_or_the_teams_in_constant_queries(cast, django_assert_max_num_queries):
    client = cast.client_for(cast.manager)
    an_order(cast.rep, customer(cast.rep), confirm=True)
    with django_assert_max_num_queries(14):
        few = client.get("/orders/")
    for _ in range(6):
        an_order(cast.rep2, customer(cast.rep2))
    with django_assert_max_num_queries(14):
        many = client.get("/orders/?status=draft")
    assert few.content.decode().count('data-testid="order-row"') == 1
    assert many.content.decode().count('data-testid="order-row"') == 6
    mine = cast.client_for(cast.rep).get("/orders/?scope=mine").content.decode()
    assert mine.count('data-testid="order-row"') == 1
    assert cast.client_for(cast.rep).get("/orders/?date_from=garbage&kind=nonsense").status_code == 200


def test_the_daily_card_figure_is_the_order_amount_of_the_day_for_many_employees_at_once(
    cast, django_assert_num_queries
):
    shop = customer(cast.rep)
    day = date(2026, 3, 2)
    an_order(cast.rep, shop, lines=[(product(cast.org), "1", "300", "0")], confirm=True, signed_on=day)
    an_order(cast.rep, shop, lines=[(product(cast.org), "1", "50", "0")], confirm=True, signed_on=day - timedelta(1))
    zone = org_zone(cast.rep)
    with django_assert_num_queries(1):
        figures = order_amount_by_day_many(cast.org.pk, [cast.rep.pk, cast.rep2.pk], day, day, zone)
    assert figures == {(cast.rep.pk, day): Decimal("300.00")}
    with django_assert_num_queries(1):  # many days at once: each day's own amount
        figures = order_amount_by_day_many(cast.org.pk, [cast.rep.pk, cast.rep2.pk], day - timedelta(1), day, zone)
    assert figures == {(cast.rep.pk, day - timedelta(1)): Decimal("50.00"), (cast.rep.pk, day): Decimal("300.00")}


def test_a_rep_credits_a_teammate_found_by_the_credit_picker_and_no_one_else(cast):
    """The credit picker offers Rex his teammates (Ria), not Ben of another branch; the form saves a 60/40 split
    with Ria, shows her name on a re-rendered row, and refuses Ben on his row, writing nothing."""
    client = cast.client_for(cast.rep)
    shop, item = customer(cast.rep), product(cast.org, price="1000")
    blank = client.get(f"/orders/new/?customer={shop.pk}")
    assert "/orders/pick/credits/" in blank.content.decode()
    everyone = client.get("/orders/pick/credits/", {"name": "credits-0-employee_id"}).content.decode()
    assert cast.rep2.name in everyone and cast.rep.name in everyone
    assert cast.other_branch_rep.name not in everyone and cast.manager.name in everyone  # Mia is in Shanghai too
    searched = client.get("/orders/pick/credits/", {"name": "c", "c-q": cast.rep2.name[:2]}).content.decode()
    assert f'value="{cast.rep2.pk}"' in searched and f'value="{cast.rep.pk}"' not in searched
    kept = client.get("/orders/pick/credits/", {"name": "c", "c": cast.other_branch_rep.pk}).content.decode()
    assert cast.other_branch_rep.name not in kept, "a chosen id stays on top only when it may be credited"
    line = [(item.pk, "1", "1000", "0")]
    ben = form_data(shop.pk, line, [(cast.rep.pk, "60"), (cast.other_branch_rep.pk, "40")], fixed="1", confirm="1")
    refused = client.post("/orders/new/", ben)
    assert refused.status_code == 400
    assert 'data-testid="error-credits-1-employee_id"' in refused.content.decode()
    assert f'text-truncate">{cast.rep.name}<' in refused.content.decode(), "a chosen row shows its name, not its id"
    assert f'text-truncate">{cast.other_branch_rep.name}<' not in refused.content.decode(), "nor a name Rex may not see"
    assert not Order.objects.exists()
    ria = form_data(shop.pk, line, [(cast.rep.pk, "60"), (cast.rep2.pk, "40")], fixed="1", confirm="1")
    assert client.post("/orders/new/", ria).status_code == 302
    shares = dict(SalesDay.objects.values_list("employee_id", "sales_amount"))
    assert shares == {cast.rep.pk: Decimal("600.00"), cast.rep2.pk: Decimal("400.00")}
