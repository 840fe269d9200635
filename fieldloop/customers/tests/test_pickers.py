"""The searchable customer and contact pickers: the actor's visible rows only, a few at a time, matching what
is typed, nearest first around a position, the chosen one kept on top; constant queries."""

import re
import uuid
from decimal import Decimal

from fieldloop.activities.tests.helpers import customer
from fieldloop.customers import services
from fieldloop.customers.models import Customer
from fieldloop.customers.selectors import PICK_LIMIT

HERE = (31.2304, 121.4737)


def picked(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'type="radio" name="[^"]+" value="(\d+)"', html)]


def place(c: Customer, metres_north: float) -> None:
    Customer.objects.filter(pk=c.pk).update(
        latitude=Decimal(str(round(HERE[0] + metres_north / 111_195, 6))), longitude=Decimal(str(HERE[1]))
    )


def test_the_customer_picker_searches_the_visible_customers_only_a_few_at_a_time(cast, django_assert_max_num_queries):
    mine = [customer(cast.rep, f"精工五金 {i}") for i in range(PICK_LIMIT + 3)]
    theirs = customer(cast.rep2, "精工五金 别人的")
    client = cast.client_for(cast.rep)
    client.get("/customers/pick/?name=customer_id")
    with django_assert_max_num_queries(6):
        page = client.get("/customers/pick/", {"name": "customer_id", "customer_id-q": "精工"})
    rows = picked(page.content.decode())
    assert page.status_code == 200 and len(rows) == PICK_LIMIT and theirs.pk not in rows
    assert set(rows) <= {c.pk for c in mine}
    one = client.get("/customers/pick/", {"name": "customer_id", "customer_id-q": "精工五金 10"}).content.decode()
    assert picked(one) == [mine[10].pk]
    none = client.get("/customers/pick/", {"name": "customer_id", "customer_id-q": "不存在"}).content.decode()
    assert picked(none) == [] and 'data-testid="pick-none"' in none


def test_the_chosen_customer_stays_on_top_and_an_invisible_one_is_not_named(cast):
    chosen, other = customer(cast.rep, "甲方"), customer(cast.rep, "乙方")
    theirs = customer(cast.rep2, "丙方")
    client = cast.client_for(cast.rep)
    html = client.get(
        "/customers/pick/", {"name": "v-buyer", "v-buyer-q": "乙方", "v-buyer": chosen.pk}
    ).content.decode()
    assert picked(html) == [chosen.pk, other.pk] and f'name="v-buyer" value="{chosen.pk}" checked' in html
    sneaky = client.get("/customers/pick/", {"name": "customer_id", "customer_id": theirs.pk}).content.decode()
    assert theirs.pk not in picked(sneaky) and "丙方" not in sneaky
    junk = client.get("/customers/pick/", {"name": '"><script>', "id-q": "甲"})
    assert junk.status_code == 200 and "<script>" not in junk.content.decode()


def test_the_customer_picker_lists_the_nearest_first_when_the_position_is_known(cast):
    far, near, unplaced = customer(cast.rep, "远店"), customer(cast.rep, "近店"), customer(cast.rep, "无址店")
    place(far, 2500)
    place(near, 80)
    client = cast.client_for(cast.rep)
    html = client.get(
        "/customers/pick/", {"name": "customer_id", "latitude": HERE[0], "longitude": HERE[1]}
    ).content.decode()
    assert picked(html)[:3] == [near.pk, far.pk, unplaced.pk]
    assert "80 m" in html and "2.5 km" in html


def test_the_contact_picker_searches_the_contacts_of_visible_customers(cast, django_assert_max_num_queries):
    shop, other = customer(cast.rep, "上海精工"), customer(cast.rep2, "北京精工")
    li, _ = services.contact_create(actor=cast.rep, customer_id=shop.pk, client_id=uuid.uuid4(), name="李总")
    wang, _ = services.contact_create(actor=cast.rep, customer_id=shop.pk, client_id=uuid.uuid4(), name="王经理")
    hidden, _ = services.contact_create(actor=cast.rep2, customer_id=other.pk, client_id=uuid.uuid4(), name="李工")
    client = cast.client_for(cast.rep)
    client.get("/customers/pick/contacts/?name=contact_id")
    with django_assert_max_num_queries(6):
        html = client.get("/customers/pick/contacts/", {"name": "contact_id", "contact_id-q": "李"}).content.decode()
    assert picked(html) == [li.pk] and "上海精工" in html
    of_shop = client.get("/customers/pick/contacts/", {"name": "contact_id", "customer": shop.pk}).content.decode()
    assert set(picked(of_shop)) == {li.pk, wang.pk} and hidden.pk not in picked(of_shop)


def test_the_record_form_and_the_check_in_page_offer_a_searchable_picker_not_a_select(cast):
    shop = customer(cast.rep, "上海精工")
    client = cast.client_for(cast.rep)
    from fieldloop.activities.tests.helpers import template
    from fieldloop.formtemplates.models import Purpose

    call = template(cast.rep, Purpose.CALL)
    html = client.get(f"/work/new/{call.pk}/").content.decode()
    assert 'data-testid="picker-customer_id"' in html and '<select name="customer_id"' not in html
    assert 'hx-get="/customers/pick/?name=customer_id"' in html
    chosen = client.get(f"/work/new/{call.pk}/?customer={shop.pk}").content.decode()
    assert f'name="customer_id" value="{shop.pk}" checked' in chosen and 'data-testid="picker-contact_id"' in chosen
