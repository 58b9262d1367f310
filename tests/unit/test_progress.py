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
        "[1/3] a: uændret", "[1/3] b: startet", "[2/3] b: færdig (2,0\u00a0s)", "[3/3] c: FEJLET (1,0\u00a0s)",
        "    Fejl i inddata: x.csv: bad"]
    assert (progress.done, progress.failed, progress.skipped) == (1, 1, 1)


def test_a_bar_with_counts_and_time_left_on_a_terminal():
    stream = io.StringIO()
    progress = Progress(4, stream=stream, tty=True, width=200)
    progress.started("a")
    progress.finished(OrderOutcome("a", "ok", 1.0))
    line = progress.line()
    assert line.startswith("[######..................] 1/4 · 1 færdig · 0 fejlede · 0 uændrede · 3 mangler")
    assert "tilbage" in line  # an estimate once an order has run
    assert stream.getvalue().startswith("\r[") and "\n" not in stream.getvalue()
    progress.close()
    assert stream.getvalue().endswith("\n")


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def redraws(stream: io.StringIO) -> list[str]:
    """The lines a terminal showed, one per redraw."""
    return [part.removesuffix("\x1b[K") for part in stream.getvalue().split("\r") if part]


def test_the_terminal_line_ticks_every_second_and_names_the_orders_running():
    clock, stream = FakeClock(), io.StringIO()
    progress = Progress(5, stream=stream, tty=True, clock=clock, width=300)
    progress.set_workers(2)
    progress.finished(OrderOutcome("u", "skipped", 0.0))
    progress.started("kool-2026")
    clock.now += 2
    progress.started("aarhus-2026")
    assert redraws(stream)[-1] == (
        "[####....................] 1/5 · 0 færdige · 0 fejlede · 1 uændret · 2 mangler · 0:02 forløbet · "
        "tid tilbage: beregnes · kører: kool-2026 (0:02), aarhus-2026 (0:00) i 2 processer")
    drawn = len(redraws(stream))
    clock.now += 0.4
    progress.tick()  # under a second since the last redraw: nothing new
    assert len(redraws(stream)) == drawn
    clock.now += 0.6
    progress.tick()
    assert len(redraws(stream)) == drawn + 1
    assert redraws(stream)[-1].endswith("· 0:03 forløbet · tid tilbage: beregnes · "
                                        "kører: kool-2026 (0:03), aarhus-2026 (0:01) i 2 processer")
    clock.now += 7  # kool-2026 took 10 s from the first start; 3 orders are not finished
    progress.finished(OrderOutcome("kool-2026", "ok", 10.0))
    # one order worked in 10 s since the first start -> 0.1 order/s; 3 not finished -> 30 s
    assert redraws(stream)[-1] == (
        "[#########...............] 2/5 · 1 færdig · 0 fejlede · 1 uændret · 2 mangler · 0:10 forløbet · "
        "ca. 0:30 tilbage · kører: aarhus-2026 (0:08) i 2 processer")
    progress.started("b")
    progress.started("c")
    progress.started("d")
    assert redraws(stream)[-1].endswith("kører: aarhus-2026 (0:08), b (0:00), c (0:00) og 1 til i 2 processer")


def test_the_terminal_line_is_cut_to_the_width_so_it_never_wraps():
    stream = io.StringIO()
    progress = Progress(2, stream=stream, tty=True, clock=FakeClock(), width=40)
    progress.started("a-very-long-order-name-2026")
    shown = redraws(stream)[-1]
    assert len(shown) == 39 and shown.endswith("…")


def test_without_a_terminal_the_running_orders_are_named_every_half_minute():
    clock, stream = FakeClock(), io.StringIO()
    progress = Progress(2, stream=stream, tty=False, clock=clock)
    progress.started("kool-2026")
    clock.now += 29
    progress.tick()
    assert stream.getvalue().splitlines() == ["[0/2] kool-2026: startet"]
    clock.now += 1
    progress.tick()
    assert stream.getvalue().splitlines()[-1] == (
        "[........................] 0/2 · 0 færdige · 0 fejlede · 0 uændrede · 1 mangler · 0:30 forløbet · "
        "tid tilbage: beregnes · kører: kool-2026 (0:30)")


def test_the_ticker_thread_redraws_while_nothing_happens():
    import time

    stream = io.StringIO()
    progress = Progress(1, stream=stream, tty=True, width=200)
    progress.started("a")
    progress.start_ticker(interval=0.05)
    deadline = time.monotonic() + 5
    while len(redraws(stream)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    progress.close()
    assert len(redraws(stream)) >= 2  # redrawn by the thread alone, a second after the start


def test_the_progress_lines_speak_danish():
    from tests.english import english_words

    stream = io.StringIO()
    progress = Progress(3, stream=stream, tty=False, clock=FakeClock(), plain_every=0)
    progress.set_workers(1)
    progress.started("a")
    progress.tick()
    progress.finished(OrderOutcome("a", "failed", 1.0, error="InputError: x.csv: bad"))
    assert english_words(stream.getvalue()) == []


def test_summary_table():
    table = summary_table([OrderOutcome("kool-2026", "ok", 3.25, warnings=["w1", "w2"]),
                           OrderOutcome("aa-2026", "failed", 0.5, error="LeakError: deck.pptx: phone number")])
    assert table.splitlines() == [
        "Ordre      Status  Tid    Advarsler  Fejl",
        "kool-2026  færdig  3,2\u00a0s  2",
        "aa-2026    FEJLET  0,5\u00a0s  0          Mulige personoplysninger: deck.pptx: phone number",
    ]
