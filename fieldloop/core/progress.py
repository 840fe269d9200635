"""How far long work has got, in a terminal: the demo builder, the commands that walk many rows, the benchmarks.

The code doing the work says what it does and how far it is (`step`, `track`); whoever runs it decides whether
anyone watches (`reporting`, around a command's `handle`). Outside `reporting` (a web request, a task, a test)
a step costs an attribute or two and shows nothing, so services call it freely.

    with progress.reporting(self.stdout):          # a command
        all_orgs_close_abandoned_visits(...)

    for visit in progress.track(stale, label="open visits", total=count):   # a service
        ...

    with progress.step("customers", total=count) as s:                       # work in batches
        ...; s.advance(len(batch))

On a terminal every step is a live line (rich): its label, a bar, done of total, rows per second, time spent and
time left; a finished step stays on screen with its count. Elsewhere (a pipe, a CI log, a test's StringIO) the
output is one line per top-level step when it ends (`label: 1,234 in 2.1 s (588/s)`), nothing while it runs.
"""

import sys
import time
from collections.abc import Iterable, Iterator, Sized
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import IO, Any

from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, Task, TaskID, TextColumn, TimeElapsedColumn
from rich.text import Text


@dataclass
class Step:
    """One step of long work: `done` of `total` (None: not known) since `started` (time.monotonic)."""

    label: str
    total: int | None = None
    done: int = 0
    summary: str = ""  # what the step made, shown when it ends instead of the bare count ("240 customers")
    started: float = field(default_factory=time.monotonic)
    depth: int = 0
    _reporter: "_Reporter | None" = None
    _task: TaskID | None = None

    def advance(self, n: int = 1) -> None:
        self.done += n
        if self._reporter is not None:
            self._reporter.update(self)

    def set_total(self, total: int | None) -> None:
        self.total = total
        if self._reporter is not None:
            self._reporter.update(self)

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    @property
    def rate(self) -> float | None:
        """Rows per second so far; None before anything is done."""
        elapsed = self.elapsed
        return self.done / elapsed if self.done and elapsed > 0 else None

    def line(self) -> str:
        """The step as one line, as the plain output prints it when the step ends."""
        what = self.summary or f"{self.done:,}"
        rate = f" ({self.rate:,.0f}/s)" if self.rate is not None else ""
        return f"{self.label}: {what} in {self.elapsed:.1f} s{rate}"


class _Reporter:
    """Where steps show: the terminal's live lines, or plain lines."""

    def __init__(self, stream: IO[str], terminal: bool | None) -> None:
        self.console = Console(file=stream, force_terminal=terminal, highlight=False, soft_wrap=False)
        self.stream = stream
        self.live: Progress | None = None
        if self.console.is_terminal:
            self.live = Progress(
                TextColumn("{task.description}"),
                BarColumn(bar_width=30),
                _DoneColumn(),
                _RateColumn(),
                TimeElapsedColumn(),
                _RemainingColumn(),
                console=self.console,
                refresh_per_second=4,
                # print() above the live lines, unless stdout goes elsewhere (a file) while they show on stderr
                redirect_stdout=stream is sys.stdout or sys.stdout.isatty(),
            )
        self.open: list[Step] = []

    def begin(self, step: Step) -> None:
        step.depth = len(self.open)
        self.open.append(step)
        if self.live is not None:
            step._task = self.live.add_task(step.label, total=step.total, step=step)

    def update(self, step: Step) -> None:
        if self.live is not None and step._task is not None:
            self.live.update(step._task, completed=step.done, total=step.total)

    def end(self, step: Step) -> None:
        if step in self.open:
            self.open.remove(step)
        if self.live is not None and step._task is not None:
            self.live.remove_task(step._task)
            if not step.depth:  # a finished top-level step stays on screen, as a line above the live ones
                self.live.console.print(step.line())
        elif self.live is None and not step.depth:
            self.stream.write(step.line() + "\n")
            self.stream.flush()

    def say(self, text: str) -> None:
        if self.live is not None:
            self.live.console.print(text)
        else:
            self.stream.write(text + "\n")
            self.stream.flush()


_reporter: ContextVar[_Reporter | None] = ContextVar("fieldloop_progress", default=None)


@contextmanager
def reporting(stream: Any, *, terminal: bool | None = None) -> Iterator[None]:
    """Show the steps run inside on `stream` (a file, or a command's `self.stdout`): live when it is a terminal
    (or `terminal=True`), one line per top-level step otherwise (or `terminal=False`)."""
    stream = getattr(stream, "_out", stream)  # a command's OutputWrapper would add a newline to every write
    reporter = _Reporter(stream, terminal)
    token = _reporter.set(reporter)
    if reporter.live is not None:
        reporter.live.start()
    try:
        yield
    finally:
        if reporter.live is not None:
            reporter.live.stop()
        _reporter.reset(token)


def say(text: str) -> None:
    """A line for whoever watches (above the live lines on a terminal); nothing outside `reporting`."""
    reporter = _reporter.get()
    if reporter is not None:
        reporter.say(text)


@contextmanager
def step(label: str, *, total: int | None = None) -> Iterator[Step]:
    """A step of long work, shown while it runs; `advance` it as rows are done, or set its `summary`."""
    current = Step(label=label, total=total, _reporter=_reporter.get())
    if current._reporter is not None:
        current._reporter.begin(current)
    try:
        yield current
    finally:
        if current._reporter is not None:
            current._reporter.end(current)


def track[T](items: Iterable[T], *, label: str, total: int | None = None) -> Iterator[T]:
    """Each of `items`, advancing a step named `label` by one; `total` defaults to `len(items)` if it has one."""
    if total is None and isinstance(items, Sized):
        total = len(items)
    with step(label, total=total) as current:
        for item in items:
            yield item
            current.advance()


# --- The live line's columns ---------------------------------------------------------------------------------


def _step_of(task: Task) -> Step | None:
    found = task.fields.get("step")
    return found if isinstance(found, Step) else None


class _DoneColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        step = _step_of(task)
        if step is None or step.summary:
            return Text("")
        return Text(f"{step.done:,}/{step.total:,}" if step.total is not None else f"{step.done:,}", style="green")


class _RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        step = _step_of(task)
        rate = step.rate if step is not None else None
        return Text(f"{rate:,.0f}/s" if rate is not None else "", style="cyan")


class _RemainingColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        step = _step_of(task)
        if step is None or task.finished or step.total is None or step.rate is None:
            return Text("")
        left = max(step.total - step.done, 0) / step.rate
        return Text(f"{int(left) // 60}:{int(left) % 60:02d} left", style="yellow")
