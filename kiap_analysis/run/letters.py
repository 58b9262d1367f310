"""Private letters: each practice learns its own pseudonym before the meeting.

One text file per practice under <private>/letters/<order id>/, never under reports/.
"""

from __future__ import annotations

from kiap_analysis.privacy.pseudonyms import practice_label
from kiap_analysis.stats.results import OrderAnalysis


def practice_letters(analysis: OrderAnalysis) -> dict[str, str]:
    """File name -> letter text, for every practice in the order's referral data."""
    order, spec = analysis.order, analysis.spec
    period = f" for perioden {order.period.label()}" if order.period else ""
    letters = {}
    for ydernummer, (code, name) in analysis.practices.items():
        label = practice_label(code)
        addressee = f"{name} (ydernummer {ydernummer})" if name else f"Praksis med ydernummer {ydernummer}"
        letters[f"{ydernummer}.txt"] = "\n".join([
            f"Til {addressee}",
            "",
            f"Emne: Jeres pseudonym ved klyngemødet om {spec.title.lower()}",
            "",
            f"Ved {order.cluster}s møde med {order.municipality} vises henvisningsdata{period} for "
            "klyngens praksis uden navne og ydernumre. Hver praksis har fået et bogstav.",
            "",
            f"Jeres praksis er: {label}",
            "",
            "Bogstavet kender kun I og KiAP. De andre praksis får hver deres eget brev. I bestemmer selv, "
            "om I vil fortælle de andre, hvilket bogstav I har. Ved en opfølgning beholder I samme bogstav.",
            "",
            "Venlig hilsen",
            "KiAP",
            "",
        ])
    return letters
