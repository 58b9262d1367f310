"""reports/season.html: the season at a glance for KiAP, from the manifests and published tables.

Per package: how many orders (and how many finished), each order's response rates (AAPOR RR2
and RR1 from the counts its manifest records, ``metrics.ResponseSummary``), and the clusters'
referral rates per offer side by side (the 'Klyngen samlet' rows of each order's
tables/referrals_per_1000.csv; practices' rows are never read). A cluster count the tables
show as '<5' or 'skjult' stays so, and a count of 1 to min_count - 1 that an older table
shows is suppressed here by the same rule (``suppression.is_small_count``).

``read_season`` reads (I/O), ``season_html`` is pure, ``write_season`` leak-checks the page
before it replaces the old one (the batch, beside reports/index.html).
"""

from __future__ import annotations

import csv
import datetime as dt
import html
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kiap_analysis.core import formatting as fmt
from kiap_analysis.core.config import settings
from kiap_analysis.core.fileio import write_text
from kiap_analysis.core.manifest import Manifest, Status
from kiap_analysis.core.messages_da import ROUNDS_DA
from kiap_analysis.present.index import read_manifests
from kiap_analysis.privacy.suppression import HIDDEN, SUPPRESSED, is_small_count
from kiap_analysis.stats.metrics import CLUSTER, ResponseSummary

SEASON_FILE = "season.html"
RATES_TABLE = "tables/referrals_per_1000.csv"
NOT_IN_ORDER = "–"
# as content.ROUND_NAMES (not imported: it would load the chart kinds into the batch process)


@dataclass(frozen=True)
class ClusterRate:
    """One offer's 'Klyngen samlet' row as published (text cells: '<5', 'skjult', '' kept)."""

    offer: str
    referrals: str
    rate_per_1000: str
    ci_low: str
    ci_high: str


@dataclass(frozen=True)
class SeasonOrder:
    manifest: Manifest
    cluster_rates: tuple[ClusterRate, ...] = ()  # empty: the order has no referral table


def read_season(reports: Path) -> list[SeasonOrder]:
    """Every published order's manifest and, for a finished order with referral data, its
    cluster rows of tables/referrals_per_1000.csv (only those rows are kept)."""
    found = []
    for manifest in read_manifests(reports):
        rates: tuple[ClusterRate, ...] = ()
        table = reports / manifest.order_id / RATES_TABLE
        if manifest.status == Status.OK and RATES_TABLE in (manifest.outputs or []) and table.is_file():
            rates = cluster_rows(table.read_text(encoding="utf-8"))
        found.append(SeasonOrder(manifest, rates))
    return found


def cluster_rows(text: str) -> tuple[ClusterRate, ...]:
    """The 'Klyngen samlet' rows of a published referrals_per_1000.csv's text, in its order."""
    rows = csv.DictReader(text.splitlines())
    return tuple(ClusterRate(r["offer"], r["referrals"], r["rate_per_1000"], r["ci_low"], r["ci_high"])
                 for r in rows if r.get("practice") == CLUSTER)


def rate_cell(rate: ClusterRate | None, minimum: int | None = None) -> str:
    """A cluster's rate as the season page shows it: '5,2 (4,6–5,9)', '<5', 'skjult', 'ikke
    beregnet' (no rate) or '–' (the order has no such offer). ``minimum``: the settings' min_count."""
    if rate is None:
        return NOT_IN_ORDER
    if rate.referrals in (SUPPRESSED, HIDDEN):
        return rate.referrals
    try:
        count = int(rate.referrals)
    except ValueError:
        return "ikke beregnet"
    if is_small_count(count, minimum):
        return SUPPRESSED
    if not rate.rate_per_1000:
        return "ikke beregnet"
    text = fmt.rate(float(rate.rate_per_1000))
    if rate.ci_low and rate.ci_high:
        text += f" ({fmt.rate(float(rate.ci_low))}–{fmt.rate(float(rate.ci_high))})"
    return text


def response_cells(manifest: Manifest) -> list[str]:
    """Invited, responses, AAPOR RR2 and RR1 of an order ('–' without a survey)."""
    counts = manifest.response or {}
    if "responded" not in counts:
        return [NOT_IN_ORDER] * 4
    summary = ResponseSummary(counts.get("invited"), int(counts["responded"]), int(counts.get("completed", 0)))
    unknown = "ukendt"
    return [fmt.number(summary.invited) if summary.invited else unknown, fmt.number(summary.responded),
            fmt.percent(summary.response_rate) if summary.response_rate is not None else unknown,
            fmt.percent(summary.completion_rate) if summary.completion_rate is not None else unknown]


def _package(manifest: Manifest) -> str:
    return str(manifest.package.get("name") or "ukendt pakke")


def _round(manifest: Manifest) -> str:
    return ROUNDS_DA.get(str(manifest.round), str(manifest.round or ""))


def _column_heading(manifest: Manifest) -> str:
    return (f"{html.escape(str(manifest.cluster or ''))}<br><small>{html.escape(_round(manifest))} · "
            f"{html.escape(manifest.order_id)}</small>")


def _package_section(name: str, orders: list[SeasonOrder]) -> str:
    finished = sum(o.manifest.status == Status.OK for o in orders)
    failed = sum(o.manifest.status == Status.FAILED for o in orders)
    rows = []
    for o in orders:
        m = o.manifest
        cells = "".join(f"<td class='num'>{c}</td>" for c in response_cells(m))
        rows.append(f"<tr><td>{html.escape(m.order_id)}</td><td>{html.escape(str(m.cluster or ''))}</td>"
                    f"<td>{html.escape(_round(m))}</td><td>{m.status.label}</td>{cells}</tr>")
    parts = [f"<h2>{html.escape(name)}</h2>",
             f"<p>{len(orders)} ordrer: {finished} færdige, {failed} fejlet.</p>",
             "<table class='response'><thead><tr><th>Ordre</th><th>Klynge</th><th>Runde</th><th>Status</th>"
             "<th>Inviterede</th><th>Besvarelser</th><th>Svarprocent (AAPOR RR2)</th>"
             "<th>Gennemførte / inviterede (AAPOR RR1)</th></tr></thead>"
             f"<tbody>{''.join(rows)}</tbody></table>"]
    with_rates = sorted((o for o in orders if o.cluster_rates),
                        key=lambda o: (str(o.manifest.cluster or ""), o.manifest.order_id))
    if with_rates:
        offers = list(dict.fromkeys(r.offer for o in with_rates for r in o.cluster_rates))
        by_order = [{r.offer: r for r in o.cluster_rates} for o in with_rates]
        head = "".join(f"<th class='num'>{_column_heading(o.manifest)}</th>" for o in with_rates)
        body = "".join(
            f"<tr><td>{html.escape(offer)}</td>"
            + "".join(f"<td class='num'>{html.escape(rate_cell(rates.get(offer)))}</td>" for rates in by_order)
            + "</tr>" for offer in offers)
        parts.append("<h3>Henvisninger pr. 1.000 tilmeldte patienter, klyngen samlet (95 %-konfidensinterval)</h3>"
                     f"<table class='rates'><thead><tr><th>Tilbud</th>{head}</tr></thead>"
                     f"<tbody>{body}</tbody></table>")
    return "".join(parts)


def season_html(orders: list[SeasonOrder], stamp: str | None = None) -> str:
    """The season page (pure; ``stamp``: the time it says it was updated, now unless given)."""
    packages: dict[str, list[SeasonOrder]] = {}
    for order in orders:
        packages.setdefault(_package(order.manifest), []).append(order)
    sections = "".join(_package_section(name, packages[name]) for name in sorted(packages))
    stamp = stamp or dt.datetime.now().strftime("%d.%m.%Y %H:%M")
    minimum = settings().min_count
    return f"""<!DOCTYPE html>
<html lang="da"><head><meta charset="utf-8"><title>KiAP klyngepakker – sæsonoversigt</title>
<style>
body {{ font-family: "Segoe UI", "DejaVu Sans", Arial, sans-serif; color: #1A1A1A; margin: 2rem; }}
h1, h2 {{ color: #0B4F6C; }}
table {{ border-collapse: collapse; margin-bottom: 1.5rem; }}
th, td {{ border-bottom: 1px solid #D9D9D9; padding: 0.4rem 0.6rem; text-align: left; vertical-align: top; }}
td.num, th.num {{ text-align: right; }}
.note {{ font-size: 0.9rem; max-width: 60rem; }}
a {{ color: #0B4F6C; }}
</style></head>
<body><h1>KiAP klyngepakker – sæsonoversigt</h1>
<p>{len(orders)} ordrer i {len(packages)} pakker. Opdateret {stamp}. <a href='index.html'>Oversigt over ordrerne</a></p>
{sections}
<ul class='note'>
<li>Svarprocenten er AAPOR's RR2 (The American Association for Public Opinion Research, Standard
Definitions): gennemførte og delvise besvarelser divideret med alle inviterede, som alle regnes for
egnede; RR1 tæller kun de gennemførte. Den gælder ordrens egen runde.</li>
<li>Henvisningsraterne er klyngens samlede rate pr. 1.000 tilmeldte patienter, som i hver ordres
rapport, med 95 %-konfidensinterval: eksakt Poisson-interval under 10 henvisninger, Byars
tilnærmelse fra 10 (som PHEindicatormethods' phe_rate). Praksis vises ikke her.</li>
<li>'{SUPPRESSED}': færre end {minimum} henvisninger; 'skjult': skjult, så et lille tal ikke kan regnes ud
(samme regler som ordrernes tabeller); '{NOT_IN_ORDER}': tilbuddet er ikke med i ordren.</li>
</ul></body></html>
"""


def write_season(reports: Path, check: Callable[[str], list] | None = None) -> list:
    """Rewrite reports/season.html; ``check``: the leak check of the new page's text, whose
    hits keep the old page in place. Returns those hits."""
    page = season_html(read_season(reports))
    hits = check(page) if check is not None else []
    if not hits:
        write_text(reports / SEASON_FILE, page)
    return hits
