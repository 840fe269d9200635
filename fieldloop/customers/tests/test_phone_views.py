"""The customer pages as a rep's phone gets them: cards with chips (mine, nearby, pool) from the same view as the
desktop table, and a customer's page that shows only what the rep may do on it."""

import re
import uuid
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from fieldloop.customers import pools, services
from fieldloop.customers.models import Customer

HERE = (31.2304, 121.4737)


def create(actor, name, *, north_m=None, **fields):
    customer, _ = services.customer_create(
        actor=actor, client_id=uuid.uuid4(), name=name, allow_duplicates=True, **fields
    )
    if north_m is not None:
        lat = Decimal(f"{HERE[0] + north_m / 111_320:.6f}")
        Customer.objects.filter(pk=customer.pk).update(latitude=lat, longitude=Decimal(f"{HERE[1]:.6f}"))
    return customer


def cards(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-testid="customer-card" data-customer-id="(\d+)"', html)]


def test_the_list_has_cards_for_the_phone_and_the_table_with_its_bulk_bar_for_the_desktop(cast):
    shop = create(cast.rep, "南京路精工机械", north_m=150)
    html = cast.client_for(cast.manager).get("/customers/").content.decode()
    assert cards(html) == [shop.pk]
    assert 'data-testid="customer-cards"' in html and 'class="d-lg-none customer-cards"' in html
    assert 'class="card d-none d-lg-block" data-testid="customer-desktop"' in html  # the table and bulk bar
    assert 'data-testid="bulk-bar"' in html
    assert 'data-testid="distance"' not in html  # no position known


def test_chips_filter_mine_and_the_pool(cast):
    mine = create(cast.rep, "我的客户")
    colleagues = create(cast.rep2, "同事的客户", collaborator_ids=[cast.rep.pk])
    waiting = create(cast.rep, "公海客户")
    pool = pools.pool_create(actor=cast.admin, name="上海公海")
    pools.customer_release(actor=cast.rep, customer_id=waiting.pk, pool_id=pool.pk)
    client = cast.client_for(cast.rep)
    assert set(cards(client.get("/customers/").content.decode())) >= {mine.pk, colleagues.pk}
    assert cards(client.get(f"/customers/?owner={cast.rep.pk}").content.decode()) == [mine.pk]
    pooled = cards(cast.client_for(cast.admin).get("/customers/?pool=1").content.decode())
    assert pooled == [waiting.pk]


def test_nearby_lists_the_nearest_with_their_distance_in_constant_queries(cast):
    near, far = create(cast.rep, "近的", north_m=150), create(cast.rep, "远的", north_m=2_400)
    client = cast.client_for(cast.rep)
    url = f"/customers/?near=1&lat={HERE[0]}&lon={HERE[1]}&acc=20"
    html = client.get(url).content.decode()
    assert cards(html) == [near.pk, far.pk]
    assert re.findall(r'data-testid="distance">([^<]+)<', html) == ["150 米", "2.4 公里"]
    partial = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert cards(partial) == [near.pk, far.pk] and "<html" not in partial
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(10):
        create(cast.rep, f"又一家{i}", north_m=100 * (i + 3))
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)
    # Without a position yet: the rep's own customers, and the locating script
    first = client.get("/customers/?near=1").content.decode()
    assert "js/phone_today" in first and 'data-testid="distance"' not in first


def test_a_customer_page_shows_edit_archive_and_contacts_only_to_whom_may_change_it(cast):
    colleagues = create(cast.rep2, "同事的客户", collaborator_ids=[cast.rep.pk], phone="021-58881234")
    collaborator = cast.client_for(cast.rep).get(f"/customers/{colleagues.pk}/").content.decode()
    assert 'data-testid="bar-visit"' in collaborator and 'data-testid="bar-follow-up"' in collaborator
    assert 'href="tel:021-58881234" data-testid="bar-call"' in collaborator
    for action in ("more-edit", "more-archive", "edit", "archive", "contact-form"):
        assert f'data-testid="{action}"' not in collaborator, action
    assert f"/customers/{colleagues.pk}/release/" not in collaborator
    owner = cast.client_for(cast.rep2).get(f"/customers/{colleagues.pk}/").content.decode()
    for action in ("more-edit", "more-archive", "edit", "archive", "contact-form"):
        assert f'data-testid="{action}"' in owner, action
    manager = cast.client_for(cast.manager).get(f"/customers/{colleagues.pk}/").content.decode()
    assert 'data-testid="more-edit"' in manager  # her rep's customer
    # What the page hides, the services refuse (one rule: customers.selectors.customer_for_change).
    response = cast.client_for(cast.rep).post(f"/customers/{colleagues.pk}/archive/")
    assert response.status_code == 302
    colleagues.refresh_from_db()
    assert colleagues.archived_at is None
