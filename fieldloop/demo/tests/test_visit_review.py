"""The demo company's doubtful visits: a few made doubtful on purpose, flagged by the real rules, waiting in
their managers' queues."""

from fieldloop.activities.models import Visit
from fieldloop.activities.visit_review import Signal, signal_codes
from fieldloop.activities.visit_review_selectors import review_queue
from fieldloop.demo.company import build_demo_company
from fieldloop.org.models import Employee


def test_the_small_demo_has_doubtful_visits_of_each_kind_in_a_managers_queue(db):
    ctx = build_demo_company(size="small", seed=7)
    pending = list(Visit.objects.filter(review_state="pending").select_related("employee"))
    assert len(pending) == ctx.counts["doubtful visits"] >= 3
    codes = {code for v in pending for code in signal_codes(v)}
    assert {Signal.OFF_TRACK, Signal.MOCK_LOCATION, Signal.FIRST_LOCATION} <= codes
    manager_id = pending[0].employee.manager_id
    assert manager_id is not None
    manager = Employee.objects.get(pk=manager_id)
    assert pending[0] in list(review_queue(actor=manager))
