"""The visit pages: check-in and check-out forms (errors on the page, success redirects, as the outbox
expects), the visit page, the visits list with constant queries, the administrators' visit types."""

import uuid
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fieldloop.activities import visit_services
from fieldloop.activities.models import Visit, VisitType
from fieldloop.core.geo import SentFix
from fieldloop.formtemplates.models import Purpose

from .helpers import template
from .test_visits import SHOP, located_customer, routine


def position(**extra):
    return {"client_id": str(uuid.uuid4()), "latitude": str(SHOP[0]), "longitude": str(SHOP[1]), "accuracy": "12",
            "fix_at": timezone.now().isoformat(), **extra}  # fmt: skip


def test_a_rep_checks_in_on_the_page_and_errors_come_back_on_the_form(cast):
    vt, shop = routine(cast.admin), located_customer(cast.rep)
    client = cast.client_for(cast.rep)
    page = client.get(f"/visits/start/?customer={shop.pk}")
    assert page.status_code == 200 and page["X-Fieldloop-Offline"] == "1"
    refused = client.post("/visits/start/", {**position(latitude=""), "visit_type_id": vt.pk, "customer_id": shop.pk})
    assert refused.status_code == 200 and 'data-testid="position-error"' in refused.content.decode()
    old = (timezone.now() - timedelta(minutes=5)).isoformat()
    stale = client.post("/visits/start/", {**position(fix_at=old), "visit_type_id": vt.pk, "customer_id": shop.pk})
    assert 'data-stale="1"' in stale.content.decode()
    done = client.post("/visits/start/", {**position(), "visit_type_id": vt.pk, "customer_id": shop.pk})
    visit = Visit.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/visits/{visit.pk}/"
    assert client.get("/visits/start/")["Location"] == f"/visits/{visit.pk}/"  # one visit at a time
    detail = client.get(f"/visits/{visit.pk}/").content.decode()
    assert 'data-testid="check-out-form"' in detail and f"visit={visit.pk}" in detail
    asked = client.post(f"/visits/{visit.pk}/check-out/", position())  # its required step is not filled
    assert asked.status_code == 200 and 'data-testid="confirm-not-effective"' in asked.content.decode()
    assert Visit.objects.get().is_open
    out = client.post(f"/visits/{visit.pk}/check-out/", position(confirm_not_effective="on"))
    assert out.status_code == 302
    visit.refresh_from_db()
    assert visit.status == "closed"
    again = client.post(f"/visits/{visit.pk}/check-out/", position())
    assert again.status_code == 200 and 'data-testid="form-error"' in again.content.decode()


def test_the_visits_list_is_scoped_and_its_queries_do_not_grow(cast):
    vt, shop = routine(cast.admin), located_customer(cast.rep)

    def one():
        here = SentFix(*SHOP, 10, timezone.now())
        v, _ = visit_services.visit_check_in(
            actor=cast.rep,
            client_id=uuid.uuid4(),
            visit_type_id=vt.pk,
            customer_id=shop.pk,
            position=here,
            confirm_flagged=True,  # the same position again and again: flagged, confirmed
        )
        visit_services.visit_check_out(
            actor=cast.rep, client_id=uuid.uuid4(), visit_id=v.pk, position=here, confirm_not_effective=True
        )

    one()
    client = cast.client_for(cast.manager)
    client.get("/visits/")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/visits/").status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for _ in range(5):
        one()
    assert count() == few
    assert "Rex" in client.get("/visits/").content.decode()
    assert 'data-testid="visit-row"' not in cast.client_for(cast.rep2).get("/visits/").content.decode()


def test_an_admin_sets_up_a_visit_type_on_the_page_and_a_manager_may_not(cast):
    report = template(cast.admin, Purpose.VISIT)
    client = cast.client_for(cast.admin)
    assert client.get("/visits/types/new/").status_code == 200
    response = client.post("/visits/types/new/", {
        "name": "例行拜访", "name_en": "Routine visit", "is_active": "on", "step_0": report.pk, "max_distance_m": "300",
        "distance_mode": "hard", "min_duration_minutes": "10", "check_out_required": "on", "customer_required": "on",
        "department_ids": [cast.shanghai.pk],
    })  # fmt: skip
    assert response.status_code == 302
    vt = VisitType.objects.get()
    assert (vt.max_distance_m, vt.distance_mode, list(vt.steps.values_list("template_id", flat=True))) == (
        300, "hard", [report.pk])  # fmt: skip
    assert "例行拜访" in client.get("/visits/types/").content.decode()
    assert cast.client_for(cast.manager).get("/visits/types/").status_code == 403


def test_the_visit_type_page_shows_its_steps_and_one_empty_row_and_reads_rows_added_on_the_page(cast):
    report, call = template(cast.admin, Purpose.VISIT), template(cast.admin, Purpose.CALL)
    client = cast.client_for(cast.admin)
    new = client.get("/visits/types/new/").content.decode()
    assert new.count('data-testid="step-row"') == 2  # one empty row, and the add-step template's
    assert 'name="step_0"' in new and 'name="step_1"' not in new and 'name="step___i__"' in new

    response = client.post("/visits/types/new/", {
        "name": "收款拜访", "step_0": "", "step_3": call.pk, "step_3_optional": "on", "step_7": report.pk,
        "distance_mode": "soft", "min_duration_minutes": "0",
    })  # fmt: skip
    assert response.status_code == 302  # rows added on the page (3, 7) and a row left empty (0)
    vt = VisitType.objects.get()
    assert list(vt.steps.order_by("position").values_list("template_id", "required")) == [
        (call.pk, False), (report.pk, True)]  # fmt: skip

    edit = client.get(f"/visits/types/{vt.pk}/").content.decode()
    assert edit.count('data-testid="step-row"') == 4  # two steps, one empty row, the template's
    assert 'name="step_2"' in edit and 'name="step_3"' not in edit
