"""Today's plan on a rep's Today page (registered with activities/today.py): the day's items with what is done,
a check-in for each planned visit, and the way to the day's close card; two queries whatever the plan."""

from fieldloop.activities.today import DAILY_TILE, TodaySection
from fieldloop.org.models import Employee

from .card_selectors import today_of
from .models import CardStatus, DailyCard, ItemKind, ItemState
from .selectors import day_counts, items_for

SHOWN = 8  # a phone's screen of items; the schedule page has the rest


def today_plan(actor: Employee) -> TodaySection:
    day = today_of(actor)
    items = list(items_for(actor, [actor], day, day).exclude(state=ItemState.CANCELLED)[: SHOWN + 1])
    counts = day_counts(actor, day) if len(items) > SHOWN else None
    done = counts.done if counts else sum(i.state == ItemState.DONE for i in items)
    total = counts.total if counts else len(items)
    return TodaySection(
        "schedules/_today_plan.html",
        {
            "day": day,
            "items": items[:SHOWN],
            "more": total - min(len(items), SHOWN),
            "done": done,
            "total": total,
            "visit": ItemKind.VISIT,
            "planned": ItemState.PLANNED,
        },
    )


def today_card_tile(actor: Employee) -> TodaySection:
    """Today's tile for the day's close: filed or not, for today's card (one query). A daily report written today
    may be the write-up of yesterday's card; it does not close today."""
    day = today_of(actor)
    filed = DailyCard.objects.filter(org_id=actor.org_id, employee=actor, day=day, status=CardStatus.FILED).exists()
    return TodaySection("schedules/_today_card_tile.html", {"filed": filed}, slot=DAILY_TILE)
