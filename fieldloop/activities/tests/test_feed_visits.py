"""The feed shows a visit as one card: check-in/out, distance, duration, its steps grouped inside, photos and the
latest comments; the records of its steps are not cards of their own. Its query count does not grow with visits."""

import uuid
from zoneinfo import ZoneInfo

from django.db import connection
from django.test.utils import CaptureQueriesContext

from fieldloop.activities import services
from fieldloop.formtemplates.models import Purpose

from .helpers import VISIT_VALUES, file_call, template
from .test_visits import check_in, check_out, located_customer, near, routine


def step(rep, visit, shop, **extra):
    record, _ = services.record_create(
        actor=rep, client_id=uuid.uuid4(), template_id=template(rep, Purpose.VISIT).pk, values=VISIT_VALUES,
        customer_id=shop.pk, visit_id=visit.pk, **extra,
    )  # fmt: skip
    return record


def visited(cast, shop, vt, *, comment=""):
    visit = check_in(cast.rep, vt, shop)
    record = step(cast.rep, visit, shop)
    if comment:
        services.comment_create(actor=cast.manager, record_id=record.pk, client_id=uuid.uuid4(), body=comment)
    return check_out(cast.rep, visit, position=near(20)), record


def test_a_visit_is_one_card_with_its_steps_and_comments(cast):
    shop = located_customer(cast.rep)
    visit, record = visited(cast, shop, routine(cast.admin), comment="报价再跟一下")
    call = file_call(cast.rep, shop)
    html = cast.client_for(cast.manager).get("/work/").content.decode()
    assert f'data-testid="visit-card-{visit.pk}"' in html
    assert f'data-testid="record-{record.pk}"' not in html  # the step is inside the visit's card, not a card
    assert f'data-testid="step-{record.pk}"' in html
    assert f'data-testid="record-{call.pk}"' in html  # a record outside visits stays a card
    card = html.split(f'data-testid="visit-card-{visit.pk}"')[1].split('class="card mb-2')[0]
    assert "报价再跟一下" in card and "Mia" in card
    zone = ZoneInfo(cast.org.time_zone)
    assert visit.checked_in_at.astimezone(zone).strftime("%H:%M") in card  # check-in to check-out
    assert visit.checked_out_at.astimezone(zone).strftime("%H:%M") in card
    assert "客户下月补货" in card  # the step's first values
    assert f"/visits/{visit.pk}/" in card and f"/customers/{shop.pk}/" in card
    assert html.index(f'data-testid="record-{call.pk}"') < html.index(f'data-testid="visit-card-{visit.pk}"')


def test_the_feed_pages_visits_and_records_together(cast):
    shop = located_customer(cast.rep)
    vt = routine(cast.admin)
    for _ in range(3):
        visited(cast, shop, vt)
    for _ in range(19):
        file_call(cast.rep, shop)
    client = cast.client_for(cast.manager)
    first = client.get("/work/").content.decode()
    assert first.count('class="card mb-2 record-card') == 20
    cursor = first.split("cursor=")[1].split('"')[0]
    more = client.get(f"/work/?cursor={cursor}", HTTP_HX_REQUEST="true").content.decode()
    assert more.count('class="card mb-2 record-card') == 2
    assert (first + more).count("visit-card-") == 3
    # a template filter keeps the visits with a step of it
    visit_template = template(cast.rep, Purpose.VISIT)
    only = client.get(f"/work/?template={visit_template.pk}").content.decode()
    assert only.count("visit-card-") == 3 and only.count('class="card mb-2 record-card"') == 0
    assert client.get("/work/?cursor=forged").status_code == 400


def test_the_feed_costs_the_same_queries_for_2_and_8_visits(cast, django_assert_max_num_queries):
    visits = 2
    shop = located_customer(cast.rep)
    vt = routine(cast.admin)
    client = cast.client_for(cast.manager)
    for _ in range(visits):
        visited(cast, shop, vt, comment="好")
    file_call(cast.rep, shop)
    client.get("/work/")
    with CaptureQueriesContext(connection) as small:
        client.get("/work/")
    for _ in range(6):
        visited(cast, shop, vt, comment="再来")
    with django_assert_max_num_queries(len(small)):
        html = client.get("/work/").content.decode()
    assert html.count("visit-card-") == visits + 6
