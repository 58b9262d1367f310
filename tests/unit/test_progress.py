"""What a batch shows while it runs: a bar on a terminal, lines elsewhere, a summary table."""

import io

from kiap_analysis.run.execute import OrderOutcome
from kiap_analysis.run.progress import Progress, summary_table


def test_plain_lines_when_not_a_terminal():
    stream = io.StringIO()
    progress = Progress(3, stream=stream, tty=False)
    progress.finished(OrderOutcome("a", "skipped", 0.0))
    progress.started("b")
    progress.finished(OrderOutcome("b", "ok", 2.04))
    progress.finished(OrderOutcome("c", "failed", 1.0, error="InputError: x.csv: bad\nmore detail"))
    assert stream.getvalue().splitlines() == [
        "[1/3] a: uændret", "[2/3] b: færdig (2,0\u00a0s)", "[3/3] c: FEJLET (1,0\u00a0s)",
        "    Fejl i inddata: x.csv: bad"]
    assert (progress.done, progress.failed, progress.skipped) == (1, 1, 1)


def test_a_bar_with_counts_and_time_left_on_a_terminal():
    stream = io.StringIO()
    progress = Progress(4, stream=stream, tty=True)
    progress.started("a")
    progress.finished(OrderOutcome("a", "ok", 1.0))
    line = progress.line()
    assert line.startswith("[######..................] 1/4 · 1 færdige · 0 fejlet · 0 uændrede")
    assert "tilbage" in line  # an estimate once an order has run
    assert stream.getvalue().startswith("\r[") and "\n" not in stream.getvalue()
    progress.close()
    assert stream.getvalue().endswith("\n")


def test_summary_table():
    table = summary_table([OrderOutcome("kool-2026", "ok", 3.25, warnings=["w1", "w2"]),
                           OrderOutcome("aa-2026", "failed", 0.5, error="LeakError: deck.pptx: phone number")])
    assert table.splitlines() == [
        "Ordre      Status  Tid    Advarsler  Fejl",
        "kool-2026  færdig  3,2\u00a0s  2",
        "aa-2026    FEJLET  0,5\u00a0s  0          Mulige personoplysninger: deck.pptx: phone number",
    ]
