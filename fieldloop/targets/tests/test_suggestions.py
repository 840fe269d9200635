"""Suggestions against a hand computation: the arithmetic is written out in each test."""

import datetime
from decimal import Decimal as D

from fieldloop.targets.suggestions import (
    History,
    TreeShape,
    compact_number,
    explanation,
    load_history,
    prorated,
    split,
    suggest,
    trend_of,
)

# d1 (top) holds d2 and the reps e10, e11, e12; d2 holds e13 and the manager e14. e12 and e14 sold nothing: newcomers.
SHAPE = TreeShape(
    departments={1: None, 2: 1},
    employees={10: (1, "rep"), 11: (1, "rep"), 12: (1, "rep"), 13: (2, "rep"), 14: (2, "manager")},
)


def months(**values: int) -> list[D]:
    """months(M1=40, M7=40) -> twelve fiscal months."""
    return [D(values.get(f"M{i}", 0)) for i in range(1, 13)]


def history() -> dict:
    e10 = History(last=[D(10)] * 12, previous=[D(8)] * 12)  # 120, before 96
    e11 = History(last=months(M1=40, M7=40), previous=months(M1=32, M7=32))  # 80, before 64
    e13 = History(last=months(M1=100, M7=100), previous=months(M1=80, M7=80))  # 200, before 160
    d2 = History(last=list(e13.last), previous=list(e13.previous))
    d1 = History(
        last=[a + b + c for a, b, c in zip(e10.last, e11.last, e13.last, strict=True)],  # 400: M1 150, M7 150, else 10
        previous=[a + b + c for a, b, c in zip(e10.previous, e11.previous, e13.previous, strict=True)],  # 320
    )
    return {("d", 1): d1, ("d", 2): d2, ("e", 10): e10, ("e", 11): e11, ("e", 13): e13}


ROLE_DEFAULTS = {"rep": D(20), "manager": D(40)}


def test_the_suggestion_agrees_with_a_hand_computation():
    s = suggest(shape=SHAPE, history=history(), quantum=D(1), role_defaults=ROLE_DEFAULTS)
    # trend of d1: 400 / 320 - 1 = +25 %; its year: 400 * 1.25 = 500.
    assert s[("d", 1)].trend == D("0.25")
    assert s[("d", 1)].year == 500
    # newcomers first: e12 (rep) 20, and d2 holds e14 (manager) 40: 60 set aside; 440 shared by last year's
    # totals d2 200, e10 120, e11 80, e12 0 (of 400): 220, 132, 88, 0.
    assert s[("d", 2)].year == 40 + 220
    assert s[("e", 10)].year == 132
    assert s[("e", 11)].year == 88
    assert s[("e", 12)].year == 20 and s[("e", 12)].role_default
    assert s[("d", 2)].share == D("0.5") and s[("e", 10)].share == D("0.3")
    # d2's 260: e14's default 40, the 220 left all to e13 (the only one with a history).
    assert s[("e", 13)].year == 220 and s[("e", 14)].year == 40
    # months: e10 132 / 12 = 11 each; e11 by its weights (M1 and M7 half each) 44 + 44; e13 110 + 110; e14 sold
    # nothing: d2's weights (e13's) 20 + 20; e12: d1's weights (M1, M7 150/400 = 0.375, others 10/400 = 0.025):
    # 7.5, 7.5 and ten 0.5 -> 7, 7 and ten 0, six units left, all remainders .5: the first six months get one.
    assert s[("e", 10)].months == [D(11)] * 12
    assert s[("e", 11)].months == months(M1=44, M7=44)
    assert s[("e", 13)].months == months(M1=110, M7=110)
    assert s[("e", 14)].months == months(M1=20, M7=20)
    assert s[("e", 12)].months == months(M1=8, M2=1, M3=1, M4=1, M5=1, M6=1, M7=7)
    # departments' months are their children's sums: d2 130 + 130; d1 M1 = 130 + 11 + 44 + 8 = 193,
    # M2-M6 = 11 + 1 = 12, M7 = 130 + 11 + 44 + 7 = 192, M8-M12 = 11.
    assert s[("d", 2)].months == months(M1=130, M7=130)
    assert s[("d", 1)].months == months(
        M1=193, M2=12, M3=12, M4=12, M5=12, M6=12, M7=192, M8=11, M9=11, M10=11, M11=11, M12=11
    )
    periods = s[("d", 1)].periods()
    assert (periods["Q1"], periods["Q2"], periods["Q3"], periods["Q4"], periods["Y"]) == (217, 36, 214, 33, 500)


def test_a_company_twenty_percent_higher_is_distributed_by_share():
    s = suggest(shape=SHAPE, history=history(), quantum=D(1), scale=D("1.2"), role_defaults=ROLE_DEFAULTS)
    # 400 * 1.25 * 1.2 = 600; newcomers keep their 60; 540 by shares 200/120/80/0 of 400: 270, 162, 108, 0.
    assert s[("d", 1)].year == 600
    assert (s[("d", 2)].year, s[("e", 10)].year, s[("e", 11)].year, s[("e", 12)].year) == (310, 162, 108, 20)


def test_the_same_data_gives_the_same_suggestion():
    one = suggest(shape=SHAPE, history=history(), quantum=D("0.01"), scale=D("1.07"), role_defaults=ROLE_DEFAULTS)
    two = suggest(shape=SHAPE, history=history(), quantum=D("0.01"), scale=D("1.07"), role_defaults=ROLE_DEFAULTS)
    assert {k: v.months for k, v in one.items()} == {k: v.months for k, v in two.items()}
    for node in one.values():  # every node's months add up to its year, to the cent
        assert sum(node.months) == node.year


def test_the_trend_is_clamped_and_zero_without_a_previous_year():
    assert trend_of(D(300), D(100)) == D("0.50")  # +200 % clamped to +50 %
    assert trend_of(D(10), D(100)) == D("-0.30")  # -90 % clamped to -30 %
    assert trend_of(D(100), D(0)) == 0


def test_split_and_prorating_add_up_exactly():
    assert split(D(100), [D(1), D(1), D(1)], D("0.01")) == [D("33.34"), D("33.33"), D("33.33")]
    assert split(D(10), [D(0), D(0)], D(1)) == [D(5), D(5)]  # no weights: equal parts
    # a rep with a default of 24,000 a year who joins with 5 months left: 24,000 * 5 / 12 = 10,000, 2,000 a month
    assert prorated(D(24000), 5, D("0.01")) == [D(2000)] * 5


def test_the_explanation_names_the_total_the_trend_and_the_heaviest_month():
    s = suggest(shape=SHAPE, history=history(), quantum=D(1), role_defaults=ROLE_DEFAULTS)
    # a fiscal year starting in April: fiscal M1 is April (weights M1 and M7 tie at 37.5 %: the earlier wins)
    april_first = [(4 + i - 1) % 12 + 1 for i in range(12)]
    text = explanation(s[("d", 1)], metric="order_count", currency_symbol="¥", calendar_month_of=april_first)
    assert text == "近 12 个月 400，趋势 +25%，4 月权重 38%"  # the organization's language
    assert compact_number(D(1234567)) == "1.2M"
    assert compact_number(D(12345)) == "12.3K"


def test_history_comes_from_the_daily_sales_rollup_in_one_query(cast, django_assert_num_queries):
    from fieldloop.sales.models import SalesDay

    def day(d: datetime.date, employee, amount):
        SalesDay.objects.create(
            org=cast.org, day=d, employee=employee, department=employee.department, sales_amount=amount
        )

    day(datetime.date(2025, 12, 3), cast.rep, D("100.00"))  # last 12 months, fiscal M12
    day(datetime.date(2025, 12, 20), cast.rep, D("50.00"))
    day(datetime.date(2025, 1, 5), cast.rep2, D("30.00"))  # last 12 months, fiscal M1
    day(datetime.date(2024, 6, 5), cast.rep, D("70.00"))  # the 12 months before, M6
    day(datetime.date(2023, 12, 31), cast.rep, D("999.00"))  # before the window
    paths = {d.pk: d.path for d in (cast.root, cast.sales, cast.shanghai, cast.beijing)}
    with django_assert_num_queries(1):
        h = load_history(org_id=cast.org.pk, metric="sales_amount", end=datetime.date(2026, 1, 1), start_month=1,
                         department_paths=paths)  # fmt: skip
    assert h[("e", cast.rep.pk)].last[11] == 150 and h[("e", cast.rep.pk)].previous[5] == 70
    assert h[("e", cast.rep2.pk)].last[0] == 30
    # the department the sale was credited in, and every department above it
    assert h[("d", cast.shanghai.pk)].last_total == 180
    assert h[("d", cast.root.pk)].last_total == 180 and h[("d", cast.root.pk)].previous_total == 70
    assert ("d", cast.beijing.pk) not in h


def test_call_history_counts_the_call_records_per_month(cast):
    from django.utils import timezone

    from fieldloop.activities.models import WorkRecord
    from fieldloop.activities.tests.helpers import customer, file_call

    shop = customer(cast.rep)
    calls = [file_call(cast.rep, shop) for _ in range(3)]
    now = timezone.now()
    WorkRecord.objects.filter(pk__in=[c.pk for c in calls]).update(captured_at=now - datetime.timedelta(days=40))
    end = (now + datetime.timedelta(days=40)).date().replace(day=1)
    paths = {d.pk: d.path for d in (cast.root, cast.sales, cast.shanghai, cast.beijing)}
    h = load_history(org_id=cast.org.pk, metric="calls", end=end, start_month=1, department_paths=paths)
    assert h[("e", cast.rep.pk)].last_total == 3
    assert h[("d", cast.root.pk)].last_total == 3 and h[("d", cast.sales.pk)].previous_total == 0
