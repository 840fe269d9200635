"""How far a background job has got, for the person who started it: its page and the API show rows done of rows
total, the step it is on, when it started and finished, and how long it took.

A job's model takes `JobProgress` (the fields and the figures); the job's body reports through a `ProgressWriter`:

    writer = ProgressWriter(job)
    writer.begin("check", total=len(rows))      # a step of the job (the model names its steps, `PROGRESS_STEPS`)
    for chunk in chunks: ...; writer.advance(len(chunk))
    writer.close()

The writer stores the figures cheaply: one UPDATE of the job's row when a step begins and then at most once a second
(`interval`), never one per row; the job's final save stores the last figures. The person watching reads them from
another connection, so an UPDATE made inside the job's own transaction would show only once it commits: outside a
transaction the writer updates through the job's connection; inside one, on PostgreSQL, through a short second
connection of its own (autocommit), so the figures show at once. SQLite has one writer at a time and the job's
transaction holds it: there the figures made inside a transaction wait for the final save. Jobs therefore do their
long reading and checking before their transaction where they can (the customer import does).
"""

import time
from datetime import timedelta
from typing import Any, ClassVar, Protocol

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext


class JobProgress(models.Model):
    """The progress of a background job, stored on the job's row."""

    # step code -> what the job's page says it is doing ("Checking the rows"); the model fills it in
    PROGRESS_STEPS: ClassVar[dict[str, Promise]] = {}

    progress_step = models.CharField(_("progress step"), max_length=20, blank=True, default="")
    progress_done = models.PositiveIntegerField(_("rows done"), default=0)
    progress_total = models.PositiveIntegerField(_("rows in the step"), default=0)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def percent(self) -> int:
        """Whole per cent of the current step: 0 before the first and during a step that counts no rows (its
        total is 0: the page shows a moving bar), 100 when all its rows are done or the job has finished it."""
        if not self.progress_step:
            return 0
        if self.progress_total:
            return min(100, self.progress_done * 100 // self.progress_total)
        return 100 if self.finished_at is not None else 0

    @property
    def duration(self) -> timedelta | None:
        """How long the job ran, once it finished."""
        if self.started_at is None or self.finished_at is None:
            return None
        return self.finished_at - self.started_at

    @property
    def duration_text(self) -> str:
        """How long it took, for a person: "42 seconds", "3 min 05 s"; empty until finished."""
        duration = self.duration
        if duration is None:
            return ""
        seconds = max(0, round(duration.total_seconds()))
        if seconds < 60:
            return ngettext("%(count)d second", "%(count)d seconds", seconds) % {"count": seconds}
        return _("%(minutes)d min %(seconds)02d s") % {"minutes": seconds // 60, "seconds": seconds % 60}

    @property
    def progress_step_label(self) -> str:
        label = self.PROGRESS_STEPS.get(self.progress_step)
        return str(label) if label is not None else ""

    def progress_figures(self) -> dict[str, Any]:
        """The figures as the API gives them."""
        duration = self.duration
        return {
            "step": self.progress_step,
            "step_label": self.progress_step_label,
            "done": self.progress_done,
            "total": self.progress_total,
            "percent": self.percent,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "duration": duration.total_seconds() if duration is not None else None,
        }


class StepReporter(Protocol):
    """What a service that runs as a job takes to report its progress (a `ProgressWriter`, or a test's)."""

    def begin(self, step: str, *, total: int) -> None: ...

    def advance(self, n: int) -> None: ...


class ProgressWriter:
    """Stores a running job's progress on its row: at each `begin`, then at most every `interval` seconds."""

    def __init__(self, job: JobProgress, *, interval: float = 1.0, using: str = DEFAULT_DB_ALIAS) -> None:
        self.job = job
        self.interval = interval
        self.using = using
        self._written_at = 0.0
        self._side: BaseDatabaseWrapper | None = None

    def begin(self, step: str, *, total: int) -> None:
        self.job.progress_step, self.job.progress_done, self.job.progress_total = step, 0, total
        self._write()

    def advance(self, n: int) -> None:
        self.job.progress_done = min(self.job.progress_done + n, self.job.progress_total)
        if time.monotonic() - self._written_at >= self.interval:
            self._write()

    def close(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None

    def _write(self) -> None:
        self._written_at = time.monotonic()
        job = self.job
        step, done, total = job.progress_step, job.progress_done, job.progress_total
        connection = connections[self.using]
        if not connection.in_atomic_block:
            type(job)._base_manager.using(self.using).filter(pk=job.pk).update(
                progress_step=step, progress_done=done, progress_total=total
            )
            return
        if connection.vendor != "postgresql":
            return  # SQLite: the job's transaction holds the only write lock; the final save stores the figures
        if self._side is None:
            self._side = connections.create_connection(self.using)
        quote = self._side.ops.quote_name
        table, key = quote(job._meta.db_table), quote(str(job._meta.pk.column))
        with self._side.cursor() as cursor:  # autocommit: seen at once by the page that polls
            cursor.execute(
                f"UPDATE {table} SET progress_step = %s, progress_done = %s, progress_total = %s "  # noqa: S608 - names from the model
                f"WHERE {key} = %s",
                [step, done, total, job.pk],
            )
