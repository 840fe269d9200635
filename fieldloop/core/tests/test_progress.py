"""core.progress: what someone running long work in a terminal or reading its log sees."""

import io

from fieldloop.core import progress


def test_outside_reporting_steps_show_nothing_and_track_yields_every_item():
    out = io.StringIO()
    with progress.step("rows", total=3) as shown:
        shown.advance(3)
    assert list(progress.track([1, 2, 3], label="rows")) == [1, 2, 3]
    assert out.getvalue() == ""


def test_a_log_gets_one_line_per_top_level_step_with_its_count_and_rate():
    out = io.StringIO()
    with progress.reporting(out):
        for _ in progress.track(range(1_234), label="open visits"):
            pass
        with progress.step("customers") as shown:
            with progress.step("inside"):  # a step inside another: its own line would be noise in a log
                shown.advance(40)
            shown.summary = "40 customers, 12 contacts"
    lines = out.getvalue().splitlines()
    assert len(lines) == 2, lines
    assert lines[0].startswith("open visits: 1,234 in ") and lines[0].endswith("/s)")
    assert lines[1].startswith("customers: 40 customers, 12 contacts in ")


def test_a_terminal_gets_live_lines_and_keeps_each_finished_step():
    out = io.StringIO()
    with progress.reporting(out, terminal=True):
        with progress.step("work records", total=3_000) as shown:
            shown.advance(1_500)
        progress.say("half-way note")
    text = out.getvalue()
    assert "\x1b[" in text  # drawn with the terminal's control codes
    assert "work records: 1,500 in " in text
    assert "half-way note" in text


def test_say_outside_reporting_is_silent(capsys):
    progress.say("nobody listens")
    assert capsys.readouterr().out == ""
