"""Doubtful visits as a manager meets them: the queue lists a visit checked in far off the rep's track with its
signal; he rejects it with a reason (refused without one), the queue empties, the visit is not effective and
the rep is told. Screenshots of the queue and the visit's page in both languages."""

import re
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pytest_django.live_server_helper import LiveServer

from conftest import Cast
from fieldloop.activities import services, visit_services
from fieldloop.activities.models import ReviewState, Visit
from fieldloop.activities.tests.helpers import VISIT_VALUES, customer, template
from fieldloop.core.geo import SentFix
from fieldloop.customers.models import Customer
from fieldloop.formtemplates.models import Purpose
from fieldloop.notifications.models import Notification
from fieldloop.org.services import employee_set_language
from fieldloop.tracking.models import LocationPoint

from .conftest import ARTIFACTS, NewPage, login

pytestmark = pytest.mark.browser

SHOP = (Decimal("31.230400"), Decimal("121.473700"))


def doubtful_visit(cast: Cast) -> Visit:
    """Rex's phone track stays 2 km north of the shop while he checks in at it: off the track."""
    vt = visit_services.visit_type_create(
        actor=cast.admin, name="例行拜访", name_en="Routine visit",
        steps=[{"template_id": template(cast.admin, Purpose.VISIT).pk}],
    )  # fmt: skip
    shop = customer(cast.rep, "杭州湖滨五金店")
    Customer.objects.filter(pk=shop.pk).update(latitude=SHOP[0], longitude=SHOP[1])
    now = timezone.now()
    LocationPoint.objects.bulk_create(
        LocationPoint(
            org_id=cast.org.pk, employee_id=cast.rep.pk, at=now - timedelta(minutes=m),
            latitude=float(SHOP[0]) + 0.018, longitude=float(SHOP[1]), accuracy_m=10.0,
            client_point_id=uuid.uuid4(), received_at=now,
        )
        for m in (9, 5, 1)
    )  # fmt: skip
    fix = SentFix(latitude=float(SHOP[0]), longitude=float(SHOP[1]), accuracy_m=12, fix_at=now, mocked=False)
    visit, _ = visit_services.visit_check_in(
        actor=cast.rep, client_id=uuid.uuid4(), visit_type_id=vt.pk, customer_id=shop.pk, position=fix
    )
    services.record_create(
        actor=cast.rep, client_id=uuid.uuid4(), template_id=template(cast.rep, Purpose.VISIT).pk,
        visit_id=visit.pk, values=VISIT_VALUES,
    )  # fmt: skip
    closed, _ = visit_services.visit_check_out(actor=cast.rep, client_id=uuid.uuid4(), visit_id=visit.pk, position=fix)
    return closed


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_manager_opens_the_queue_sees_the_signal_and_rejects_the_visit_with_a_reason(
    live_server: LiveServer, live_cast: Cast, new_page: NewPage, language: str
) -> None:
    employee_set_language(actor=live_cast.manager, language=language)
    visit = doubtful_visit(live_cast)
    assert visit.effective is True and visit.review_state == ReviewState.PENDING
    ARTIFACTS.mkdir(exist_ok=True)

    page = new_page(viewport={"width": 1280, "height": 900})
    login(page, live_server, "mia", live_cast.password)
    page.goto(f"{live_server.url}/visits/")
    page.get_by_test_id("review-queue-link").click()
    row = page.get_by_test_id("review-row")
    expect(row).to_have_count(1)
    expect(row.get_by_test_id("review-signal")).to_have_attribute("data-code", "off_track")
    # how far off, as a phone says a distance: about 2 km
    expect(row.get_by_test_id("review-signal")).to_contain_text(re.compile(r"\b[12]\.\d (公里|km)"))
    page.screenshot(path=str(ARTIFACTS / f"review-queue-{language}.png"), full_page=True)

    row.get_by_test_id("review-reject").click()  # no reason: refused on the field
    expect(page.get_by_test_id("review-error")).to_be_visible()
    assert Visit.objects.get(pk=visit.pk).review_state == ReviewState.PENDING
    page.get_by_test_id("review-reason").fill("轨迹显示人在两公里外")
    page.get_by_test_id("review-reject").click()
    expect(page.get_by_test_id("review-empty")).to_be_visible()

    rejected = Visit.objects.get(pk=visit.pk)
    assert rejected.review_state == ReviewState.REJECTED and rejected.effective is False
    assert Notification.objects.filter(recipient=live_cast.rep, kind="activities.visit_reviewed").exists()
    page.goto(f"{live_server.url}/visits/{visit.pk}/")
    expect(page.get_by_test_id("review-history")).to_contain_text("轨迹显示人在两公里外")
    expect(page.get_by_test_id("visit-status")).to_contain_text("无效" if language == "zh-hans" else "Not effective")
    page.screenshot(path=str(ARTIFACTS / f"review-visit-{language}.png"), full_page=True)
