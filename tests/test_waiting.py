"""What waits for a leader's decision: the home page lists each queue the manager decides (doubtful visits, daily
close cards, leave and trip requests) with how many wait and a link to it; the API says the same. A rep decides
none and sees no list; each count is the queue's own rows, in a query a queue whatever their number."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import Cast
from fieldloop.activities.models import Visit
from fieldloop.activities.tests.test_visit_review import flagged_visit
from fieldloop.attendance import services as attendance
from fieldloop.attendance.tests.helpers import a_group
from fieldloop.org.services import employee_set_language
from fieldloop.schedules.models import DailyCard
from fieldloop.schedules.tests.test_cards import always_on_time, file
from fieldloop.tracking.models import LocationPoint

pytestmark = pytest.mark.django_db

QUEUES = ["activities.visit_review", "schedules.card_review", "attendance.requests"]


def one_of_each(cast: Cast) -> None:
    """A doubtful visit, a filed card and a leave request, all Rex's: each waits for his manager."""
    flagged_visit(cast)
    LocationPoint.objects.all().delete()  # the next visit's track is its own
    always_on_time(cast.rep)
    file(cast.rep)
    a_group(cast.admin, [cast.sales.pk])
    today = attendance.local_today(cast.org)
    attendance.request_create(
        actor=cast.rep, client_id=uuid.uuid4(), kind="leave", leave_type="annual", reason="家事",
        start_day=today, start_half="am", end_day=today, end_half="am",
    )  # fmt: skip


def counts(cast: Cast, who) -> dict[str, int]:
    answer = cast.client_for(who).get("/api/v1/me/waiting")
    assert answer.status_code == 200
    return {w["name"]: w["count"] for w in answer.json()}


def test_the_home_page_and_the_api_list_what_waits_for_the_manager(cast: Cast) -> None:
    assert counts(cast, cast.manager) == dict.fromkeys(QUEUES, 0)  # nothing waits: said too
    one_of_each(cast)
    assert counts(cast, cast.manager) == dict.fromkeys(QUEUES, 1)
    assert counts(cast, cast.director) == dict.fromkeys(QUEUES, 1)  # the director sees Rex too
    assert counts(cast, cast.rep) == {}  # a rep decides none of them
    assert counts(cast, cast.other_branch_rep) == {}
    employee_set_language(actor=cast.manager, language="zh-hans")
    page = cast.client_for(cast.manager).get("/").content.decode()
    assert 'data-testid="waiting"' in page and "待我处理" in page
    for name, url, title in (
        ("activities.visit_review", "/visits/review/", "存疑拜访"),
        ("schedules.card_review", "/close/review/", None),
        ("attendance.requests", "/attendance/requests/", None),
    ):
        assert f'href="{url}" data-testid="waiting-{name}"' in page
        if title:
            assert title in page
    queue = cast.client_for(cast.manager).get("/visits/review/").content.decode()
    assert queue.count('data-testid="review-row"') == 1  # the count is the queue's


def test_a_decision_takes_the_row_off_the_count(cast: Cast) -> None:
    one_of_each(cast)
    visit = Visit.objects.get(review_state="pending")
    client = cast.client_for(cast.manager)
    client.post(f"/visits/{visit.pk}/review/", {"decision": "confirmed"})
    card = DailyCard.objects.get()
    client.post(f"/close/cards/{card.pk}/review/", {"score": "4", "comment": "好"})
    assert counts(cast, cast.manager) == {"activities.visit_review": 0, "schedules.card_review": 0,
                                          "attendance.requests": 1}  # fmt: skip


def test_the_list_costs_the_same_queries_however_much_waits(cast: Cast) -> None:
    client = cast.client_for(cast.manager)
    client.get("/api/v1/me")

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/v1/me/waiting").status_code == 200
        return len(ctx.captured_queries)

    none = queries()
    one_of_each(cast)
    flagged_visit(cast, rep=cast.rep2)
    assert queries() == none
