"""The demo's daily close: every rep and manager has a card for each past working day, most filed on time, a few late,
a few not filed; most filed cards reviewed by their manager, some waiting; the figures are the day's real ones."""

from django.db.models import Count, F, Q

from fieldloop.activities.models import WorkRecord
from fieldloop.demo.company import build_demo_company
from fieldloop.formtemplates.models import Purpose
from fieldloop.formtemplates.validation import validate_values
from fieldloop.org.models import Employee, Role
from fieldloop.schedules import card_selectors as cs
from fieldloop.schedules.models import CardStatus, CustomerVisitFrequency, DailyCard, VisitFrequency


def test_the_demo_closes_its_days_on_cards_with_the_real_figures(db):
    build_demo_company(size="small", seed=7)
    closing = set(Employee.objects.filter(role__in=[Role.REP, Role.MANAGER]).values_list("pk", flat=True))
    per_employee = dict(DailyCard.objects.values_list("employee_id").annotate(n=Count("id")))
    assert set(per_employee) == closing and len(set(per_employee.values())) == 1  # every one, every working day
    totals = DailyCard.objects.aggregate(
        timely=Count("id", filter=Q(status=CardStatus.FILED, on_time=True)),
        late=Count("id", filter=Q(status=CardStatus.FILED, on_time=False)),
        not_filed=Count("id", filter=Q(status=CardStatus.NOT_FILED)),
        reviewed=Count("id", filter=Q(reviewed_at__isnull=False)),
        waiting=Count("id", filter=Q(status=CardStatus.FILED, reviewed_at__isnull=True)),
    )
    assert totals["timely"] > 5 * totals["late"] > 0 and totals["not_filed"] > 0
    assert totals["reviewed"] > 2 * totals["waiting"] > 0
    assert not DailyCard.objects.filter(status=CardStatus.OPEN).exists()
    # reviews by the employee's manager, scores 1-5; a filed card's write-up is a daily report of its author
    reviewed = DailyCard.objects.filter(reviewed_at__isnull=False).select_related("employee", "reviewed_by")
    assert {c.score for c in reviewed} <= {1, 2, 3, 4, 5} and len({c.score for c in reviewed}) >= 4
    assert all(c.reviewed_by_id in (c.employee.manager_id, c.employee.department.manager_id) for c in reviewed)
    filed = DailyCard.objects.filter(status=CardStatus.FILED)
    assert not filed.filter(record__isnull=True).exists()
    reports = WorkRecord.objects.filter(pk__in=filed.values("record_id"))
    assert set(reports.values_list("template__purpose", flat=True)) == {Purpose.DAILY_REPORT}
    assert not filed.exclude(record__author_id=F("employee_id")).exists()
    for report in reports.select_related("author", "template_version")[:: max(1, reports.count() // 20)]:
        assert validate_values(actor=report.author, version=report.template_version, values=report.values)
    assert not DailyCard.objects.filter(status=CardStatus.NOT_FILED, record__isnull=False).exists()
    # one rep-day, recomputed: the card's figures are the day's
    card = (
        filed.filter(employee__role=Role.REP)
        .filter(figures__visits__gt=0, figures__items__planned__gt=0)
        .select_related("employee__org")
        .first()
    )
    assert card is not None and card.figures["items"]["planned"] > 0
    assert card.figures == cs.figures_of(card.employee, card.day)
    # a day with orders: the card holds their amount, as the day's recomputed figures do
    ordered = [
        c
        for c in filed.filter(employee__role=Role.REP).select_related("employee__org")
        if c.figures["extra"]["orders.amount"] not in (0, "0", "0.00")
    ]
    assert ordered and ordered[0].figures == cs.figures_of(ordered[0].employee, ordered[0].day)
    # a day a rep added customers: the card counts them, as the day's recomputed figures do
    added = filed.filter(employee__role=Role.REP, figures__new_customers__gt=0).select_related("employee__org")
    assert added.count() > 5 and added[0].figures == cs.figures_of(added[0].employee, added[0].day)
    late = filed.filter(on_time=False).select_related("employee__org").first()
    assert late is not None and late.filed_at is not None and late.filed_at > late.deadline
    assert late.figures == cs.figures_of(late.employee, late.day)
    # the manager sees the not-filed and the queue
    unfiled = DailyCard.objects.filter(status=CardStatus.NOT_FILED, employee__role=Role.REP).first()
    assert unfiled is not None and unfiled.employee.manager_id is not None
    manager = Employee.objects.get(pk=unfiled.employee.manager_id)
    assert unfiled.employee in cs.not_filed(actor=manager, day=unfiled.day)
    # visit frequencies: one per level (the organization's defaults), and a few customers with their own
    assert dict(VisitFrequency.objects.values_list("level", "every_days")) == {"A": 7, "B": 14, "C": 30, "D": None}
    assert CustomerVisitFrequency.objects.count() >= 5
