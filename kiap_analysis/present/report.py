"""The reviewer's report: the HTML fragments the template notebook displays.

The executed notebook becomes report.html in ``report_export`` (nbconvert); this module
only writes the fragments, so the kernel never imports nbconvert.
"""

from __future__ import annotations

import base64
import html

import pandas as pd

from kiap_analysis.clean import reconcile
from kiap_analysis.core import formatting as fmt
from kiap_analysis.core.config import settings
from kiap_analysis.core.messages_da import count, danish
from kiap_analysis.present import charts
from kiap_analysis.present.content import (
    AGREED_TITLE,
    AGREEMENTS_TITLE,
    CHANGES_METHOD,
    Block,
    Content,
    StepContent,
    agreement_points,
)
from kiap_analysis.stats import metrics
from kiap_analysis.stats.change import BOTH_ROUNDS
from kiap_analysis.stats.claims import p_text
from kiap_analysis.stats.disclosure import is_banded
from kiap_analysis.stats.results import OrderAnalysis, RoundResult


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def title_html(content: Content) -> str:
    meta = [f"{content.cluster} og {content.municipality}", f"Klyngemøde · {content.round_label}"]
    if content.period_label:
        meta.append(f"Data for perioden {content.period_label}")
    program = "".join(
        f"<li>{esc(s.step.title)}{f' ({s.step.minutes} min.)' if s.step.minutes else ''}</li>"
        for s in content.steps)
    changes = ""
    if content.is_follow_up and content.agreed:
        items = "".join(f"<li>{esc(line)}</li>" for line in content.agreed)
        changes += f"<h2>{esc(AGREED_TITLE)}</h2><ul class='kiap-agreed'>{items}</ul>"
    if content.is_follow_up and content.key_changes:
        items = "".join(f"<li>{esc(line)}</li>" for line in content.key_changes)
        changes += (f"<h2>Hvad har ændret sig?</h2><p>Sammenlignet med basismålingen ({esc(content.baseline_label)}). "
                   f"{esc(CHANGES_METHOD)}</p><ul class='kiap-changes'>{items}</ul>")
    return (f"<h1>{esc(content.title)}</h1><p class='kiap-meta'>{' · '.join(map(esc, meta))}</p>"
            f"<p>Rapporten viser det samme som mødets præsentation, i programmets rækkefølge, "
            f"med tallene bag hver figur og et afsnit om data til sidst.</p>"
            f"{changes}<h2>Dagens program</h2><ol>{program}</ol>")


def agreements_html(content: Content) -> str:
    items = "".join(f"<li>{esc(p)}</li>" for p in agreement_points(content))
    return f"<h2>{esc(AGREEMENTS_TITLE)}</h2><ul>{items}</ul>"


def table_html(frame: pd.DataFrame, numeric: dict[str, int] | None = None) -> str:
    """A small table with Danish number formats (``numeric``: column -> decimals)."""
    numeric = numeric or {}
    head = "".join(f"<th class='{'num' if c in numeric else ''}'>{esc(c)}</th>" for c in frame.columns)
    rows = []
    for _, row in frame.iterrows():
        cells = []
        for column in frame.columns:
            value = row[column]
            if column in numeric:
                if isinstance(value, str):  # already text: '' (suppressed), '<5'
                    text = value
                else:
                    text = fmt.number(float(value), numeric[column]) if pd.notna(value) else "ikke beregnet"
                cells.append(f"<td class='num'>{esc(text)}</td>")
            else:
                cells.append(f"<td>{esc('' if pd.isna(value) else value)}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return f"<table class='kiap-table'><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _block_table(block: Block) -> str:
    table = block.table
    if table is None:
        return ""
    if "rate_per_1000" in table and is_banded(table):
        body = _strict_rate_table(table, block)
    elif "rate_per_1000" in table:
        # No listed-patient counts: they are public per practice and would undo the letters.
        columns = ["practice", "offer", "referrals_shown", "expected", "rate_per_1000", "ci_low", "ci_high", "funnel"]
        if table["funnel_adjusted"].astype(bool).any() or (block.funnel is not None and block.funnel.is_adjusted):
            columns.append("funnel_adjusted")
        shown = table[columns].rename(columns={
            "practice": "Praksis", "offer": "Tilbud", "referrals_shown": "Henvisninger",
            "expected": "Forventet ved klyngens rate", "rate_per_1000": "Pr. 1.000", "ci_low": "95 %-KI fra",
            "ci_high": "95 %-KI til", "funnel": "Uden for Poisson-grænserne",
            "funnel_adjusted": "Uden for de justerede grænser"})
        shown = shown.assign(**{"Forventet ved klyngens rate": [
            "" if pd.isna(v) else fmt.number(float(v), 1) for v in shown["Forventet ved klyngens rate"]]})
        body = table_html(shown, {"Pr. 1.000": 1, "95 %-KI fra": 1, "95 %-KI til": 1})
        body += _spread_html(block)
    elif "question_id" not in table:  # labelled for the reader already (the admissions package's blocks)
        body = table_html(table) + _spread_html(block)
    else:
        shown = table.rename(columns={"item": "Delspørgsmål", "category": "Svar", "n": "Antal",
                                      "base": "Grundlag", "pct": "Procent"})
        if not shown["Delspørgsmål"].astype(str).str.len().any():
            shown = shown.drop(columns="Delspørgsmål")
        body = table_html(shown.drop(columns="question_id"), {"Antal": 0, "Grundlag": 0, "Procent": 1})
    return f"<details><summary>Tallene bag figuren</summary>{body}</details>"


def _strict_rate_table(table: pd.DataFrame, block: Block) -> str:
    """Strict mode: per practice no count, interval or expected count; the rate to a whole
    number and the size band (the cluster's row as in standard mode)."""
    columns = ["practice", "offer", "referrals_shown", "rate_per_1000", "size_band", "funnel"]
    if table["funnel_adjusted"].astype(bool).any() or (block.funnel is not None and block.funnel.is_adjusted):
        columns.append("funnel_adjusted")
    shown = table[columns].assign(rate_per_1000=[
        fmt.number(float(r.rate_per_1000), settings().rate_decimals if r.practice == metrics.CLUSTER
                   else settings().strict_rate_decimals) for r in table.itertuples()])
    shown = shown.rename(columns={
        "practice": "Praksis", "offer": "Tilbud", "referrals_shown": "Henvisninger", "rate_per_1000": "Pr. 1.000",
        "size_band": "Størrelsesgruppe (tilmeldte)", "funnel": "Uden for Poisson-grænserne",
        "funnel_adjusted": "Uden for de justerede grænser"})
    return table_html(shown, {"Pr. 1.000": 1}) + _spread_html(block)


def _spread_html(block: Block) -> str:
    """The offer's overdispersion as a reviewer needs it: phi, its test, tau^2, which limits are drawn."""
    fit = block.funnel
    if fit is None:
        return ""
    spread = fit.spread
    if not spread.is_estimated:
        return (f"<p class='kiap-caption'>Overspredning vurderes ikke: {spread.practices} praksis med viste tal "
                f"(mindst {settings().min_overdispersion_practices} kræves). Tragten viser Poisson-grænser.</p>")
    drawn = "de justerede grænser" if fit.is_adjusted else "Poisson-grænserne"
    return (f"<p class='kiap-caption'>Overspredning (Spiegelhalter 2005): φ = {fmt.number(spread.phi, 2)} ud fra "
            f"{spread.practices} praksis med viste tal; test af I·φ mod χ² med {spread.practices - 1} frihedsgrader: "
            f"{esc(p_text(spread.p_value))}; τ² = {fmt.number(spread.tau2, 4)}. Tragten viser {drawn}; "
            f"klyngens rate (midterlinjen) er {fmt.number(fit.cluster_rate, 3)} pr. 1.000.</p>")


SURVEY_CHANGE_NAMES = {
    "item": "Delspørgsmål", "category": "Svar", "n_baseline": "Antal før", "base_baseline": "Grundlag før",
    "pct_baseline": "Procent før", "n_follow_up": "Antal nu", "base_follow_up": "Grundlag nu",
    "pct_follow_up": "Procent nu", "change_pct_points": "Ændring (procentpoint)", "test": "Test",
    "n_pairs": "Svarede begge gange", "p_value": "p", "p_adjusted": "Justeret p (Holm)", "assessment": "Vurdering"}
REFERRAL_CHANGE_NAMES = {
    "practice": "Praksis", "membership": "Med i", "referrals_baseline": "Henvisninger før",
    "rate_per_1000_baseline": "Pr. 1.000 før", "funnel_baseline": "Tragt før", "referrals_follow_up": "Henvisninger nu",
    "rate_per_1000_follow_up": "Pr. 1.000 nu", "funnel_follow_up": "Tragt nu", "rate_ratio": "Rateratio",
    "rr_ci_low": "95 %-KI fra", "rr_ci_high": "95 %-KI til", "rr_method": "Interval", "p_value": "p",
    "p_adjusted": "Justeret p (Holm)", "assessment": "Vurdering"}


def _change_table(block: Block) -> str:
    """Both rounds' figures behind a follow-up's change statement."""
    table = block.change_table
    if table is None or table.empty:
        return ""
    names = REFERRAL_CHANGE_NAMES if "rate_ratio" in table else SURVEY_CHANGE_NAMES
    for column in ("p_value", "p_adjusted"):  # 'p < 0,001' rather than '0,000'
        if column in table:
            table = table.assign(**{column: [p_text(p).removeprefix("p = ").removeprefix("p ")
                                             if isinstance(p, float) and p == p else "" for p in table[column]]})
    if block.strict and "rate_ratio" in table:  # the practices' rates are whole numbers
        practice = ~table["practice"].isin([metrics.CLUSTER, BOTH_ROUNDS])
        table = table.assign(**{c: [fmt.number(float(v), settings().strict_rate_decimals if p
                                               else settings().rate_decimals)
                                    for v, p in zip(table[c], practice, strict=True)]
                                for c in ("rate_per_1000_baseline", "rate_per_1000_follow_up")})
    shown = table[[c for c in names if c in table]].rename(columns=names)
    if "Delspørgsmål" in shown and not shown["Delspørgsmål"].astype(str).str.len().any():
        shown = shown.drop(columns="Delspørgsmål")
    numeric = {"Pr. 1.000 før": 1, "Pr. 1.000 nu": 1, "Rateratio": 2, "95 %-KI fra": 2, "95 %-KI til": 2,
               "Antal før": 0, "Grundlag før": 0, "Procent før": 1, "Antal nu": 0, "Grundlag nu": 0,
               "Procent nu": 1, "Ændring (procentpoint)": 1}
    body = table_html(shown, {k: v for k, v in numeric.items() if k in shown})
    return f"<details><summary>Før og nu: tallene bag sammenligningen</summary>{body}</details>"


def block_html(block: Block) -> str:
    parts = [f"<h3>{esc(block.title)}</h3>"]
    if block.question_text and block.question_text != block.title:
        parts.append(f"<p class='kiap-question'>{esc(block.question_text)}</p>")
    if block.kind == "free_text":
        parts.append(f"<p class='kiap-base'>Fritekstsvar: {esc(block.base)}</p>")
        if block.answers:
            items = "".join(f"<li>{esc(a)}</li>" for a in block.answers)
            parts.append(f"<ul class='kiap-answers'>{items}</ul>")
        else:
            parts.append(f"<p class='kiap-note'>{esc(block.note)}</p>")
        return "".join(parts)
    if block.charts:
        figure = charts.figure(block.charts)
        data = base64.b64encode(figure.png).decode("ascii")
        parts.append(f"<figure class='kiap-figure'><img src='data:image/png;base64,{data}' "
                     f"alt='{esc(figure.alt)}' width='{figure.width_px // 2}'></figure>")
    else:
        parts.append(f"<p class='kiap-note'>{esc(block.note)}</p>")
    parts.append(f"<p class='kiap-base'>{esc(block.base)}</p>")
    if block.caption:
        parts.append(f"<p class='kiap-caption'>{esc(block.caption)}</p>")
    if block.changes:
        items = "".join(f"<li>{esc(line.text)}</li>" for line in block.changes)
        parts.append(f"<ul class='kiap-change'>{items}</ul>")
    if block.charts:
        parts.append(_block_table(block))
    parts.append(_change_table(block))
    return "".join(parts)


def step_html(step: StepContent) -> str:
    head = esc(step.step.title) + (f" <small>({step.step.minutes} min.)</small>" if step.step.minutes else "")
    parts = [f"<h2>{head}</h2>"]
    if step.step.points:
        points = "".join(f"<li>{esc(p)}</li>" for p in step.step.points)
        parts.append(f"<ul class='kiap-step-points'>{points}</ul>")
    parts += [block_html(block) for block in step.blocks]
    if step.step.reflection:
        items = "".join(f"<li>{esc(q)}</li>" for q in step.step.reflection)
        parts.append(f"<h3>Refleksion</h3><ol class='kiap-reflection'>{items}</ol>")
    return "".join(parts)


def _parts_da(parts: tuple[tuple[str, int], ...]) -> str:
    return ", ".join(f"{fmt.number(n)} {reconcile.PARTS[k][1]}" for k, n in parts)


def _rows_da(drop: reconcile.Drop) -> str:
    shown = ", ".join(map(str, drop.rows[:reconcile.ROWS_SHOWN]))
    more = len(drop.rows) - reconcile.ROWS_SHOWN
    return shown + (f" og {more} flere" if more > 0 else "")


def _drop_note(drop: reconcile.Drop, rec: reconcile.Reconciliation, redact) -> str:
    notes = [redact(drop.detail_da)] if drop.detail_da else []
    if drop.rule in rec.accepted:
        notes.append(f"accepteret i bestillingen: {redact(rec.accepted[drop.rule])}")
    elif reconcile.RULES[drop.rule].limit:
        notes.append("datatab: se advarslerne")
    return "; ".join(notes)


def account_html(account: reconcile.Account, rec: reconcile.Reconciliation, redact) -> str:
    """One input's reconciliation: the chain of counts with each drop, its rule and rows."""
    title = reconcile.SOURCES[account.source][1]
    files = ", ".join(f"{esc(redact(f))} ({count(n, 'række', 'rækker')})" for f, n in account.inputs)
    rows = []
    for i, stage in enumerate(account.stages):
        for drop in stage.drops:
            rows.append((f"− {reconcile.RULES[drop.rule].text_da}", fmt.number(drop.count),
                         _drop_note(drop, rec, redact), _rows_da(drop)))
        if i == 1 and account.errors:
            rows.append(("− rækker med fejl", fmt.number(account.errors), "ordren stopper: se fejlene", ""))
        mark = "" if i == 0 or not stage.chained else "= "
        label = reconcile.STAGES[stage.key][1]
        rows.append((mark + label[:1].upper() + label[1:], fmt.number(stage.count), _parts_da(stage.parts), ""))
    ledger = table_html(pd.DataFrame(rows, columns=["Trin", "Antal", "Heraf / bemærkning", "Rækker i filen"]))
    parts = [f"<h4>{esc(title)}: {esc(redact(account.file))}</h4>",
             f"<p class='kiap-files'>{esc(redact(account.form))}. Læst: {files}.</p>", ledger]
    if account.questions:
        questions = pd.DataFrame([
            (q.question_id, q.title, fmt.number(q.answers_read), fmt.number(q.base),
             "; ".join(f"{fmt.number(d.count)} ({_drop_note(d, rec, redact)}, række {_rows_da(d)})"
                       for d in q.left_out) or "–")
            for q in account.questions], columns=["Spørgsmål", "Titel", "Svar læst", "Grundlag (n)", "Udeladt"])
        parts.append("<details><summary>Svar pr. spørgsmål</summary>" + table_html(questions) + "</details>")
    return "".join(parts)


def _round_data(rnd: RoundResult, heading: str, redact) -> str:
    parts = [f"<h3>{esc(heading)}</h3>"]
    survey = rnd.survey
    if rnd.reconciliation is not None:
        parts.append("<p>Afstemning: hver række i filerne er talt med eller udeladt efter en navngiven regel.</p>")
        parts += [account_html(a, rnd.reconciliation, redact) for a in rnd.reconciliation.accounts]
    if survey is not None:
        s = survey.summary
        rate = fmt.percent(s.response_rate) if s.response_rate is not None else "ukendt (antal inviterede mangler)"
        completed = fmt.percent(s.completion_rate) if s.completion_rate is not None else "ukendt"
        summary = pd.DataFrame([
            ("Inviterede", fmt.number(s.invited) if s.invited else "ukendt"),
            ("Besvarelser (mindst ét svar)", fmt.number(s.responded)),
            ("Heraf gennemførte", fmt.number(s.completed)),
            ("Heraf delvise", fmt.number(s.partial)),
            ("Svarprocent, AAPOR RR2 (gennemførte og delvise / inviterede)", rate),
            ("Gennemførte / inviterede, AAPOR RR1", completed),
        ], columns=["", "Antal"])
        parts.append(table_html(summary))
    return "".join(parts)


def _rates_shown(analysis: OrderAnalysis) -> str:
    if analysis.order.is_strict:
        return "Praksis' rater vises som hele tal, klyngens med én decimal."
    return "Rater vises med én decimal."


def privacy_html(analysis: OrderAnalysis, risk=None) -> str:
    """The report's privacy note: the disclosure mode and, measured at run time, how many
    practice letters a reader with the public listed-patient counts can name from the figures."""
    strict = analysis.order.is_strict
    parts = ["<h3>Fortrolighed</h3>",
             f"<p>Fortrolighed for praksis' tal: <b>{'streng' if strict else 'standard'}</b> "
             f"(bestillingens <code>disclosure: {esc(analysis.order.disclosure)}</code>).</p>"]
    if analysis.current.referrals is None:
        parts.append("<p>Ordren har ingen henvisningstal pr. praksis; fritekst er renset for navne, ydernumre, "
                     "CPR-numre, e-mails og telefonnumre.</p>")
        return "".join(parts)
    if strict:
        parts.append(f"<p>Streng tilstand: pr. praksis vises hverken antal henvisninger, konfidensintervaller eller "
                     f"forventede antal; raterne er afrundet til hele tal pr. 1.000, og praksis' størrelse vises kun "
                     f"som en størrelsesgruppe med mindst {settings().min_band_practices} af klyngens praksis "
                     f"(grænser ved hele {fmt.number(settings().size_band_step)} tilmeldte, fastlagt ved "
                     "basismålingen). "
                     "Tragtens markeringer følger af den afrundede rate og gruppen. Klyngens samlede tal vises som "
                     "i standardtilstand.</p>")
    else:
        parts.append("<p>Standardtilstand: pr. praksis vises antal henvisninger (små tal skjult), rate, "
                     "konfidensinterval og forventet antal med én decimal, og tragten viser praksis' størrelse "
                     "afrundet til nærmeste 100. Antallet af tilmeldte patienter pr. praksis er offentligt "
                     "(eSundhed), så den, der har listen, kan ofte genkende praksis bag bogstaverne. "
                     "<code>disclosure: strict</code> i bestillingen viser tallene, så det ikke kan lade sig "
                     "gøre.</p>")
    if risk is not None:
        parts.append(f"<p class='kiap-risk'>Med de offentlige tal for tilmeldte patienter kan {risk.named} af "
                     f"{risk.letters} praksisbogstaver genkendes ud fra tallene i denne rapport (målt ved kørslen: "
                     "en læser med listen over praksis' tilmeldte patienter afprøver, hvilke praksis der passer med "
                     "alle tal for hvert bogstav).</p>")
    return "".join(parts)


def data_section_html(analysis: OrderAnalysis, risk=None) -> str:
    parts = ["<h2>Om data</h2>"]
    parts.append(_round_data(analysis.current, f"Denne runde ({analysis.current.label})", analysis.published))
    if analysis.baseline is not None:
        parts.append(_round_data(analysis.baseline, f"Basismålingen ({analysis.baseline.label}), "
                                                    f"ordre {analysis.baseline.order.id}", analysis.published))
    warnings = analysis.warnings
    parts.append("<h3>Advarsler</h3>")
    if warnings:
        items = "".join(f"<li class='kiap-warning'>{esc(danish(w))}</li>" for w in warnings)
        parts.append(f"<ul>{items}</ul>")
    else:
        parts.append("<p>Ingen advarsler.</p>")
    parts.append(privacy_html(analysis, risk))
    parts.append(
        "<h3>Metode og indstillinger</h3><ul>"
        f"<li>Procenter for skalaspørgsmål er af alle, der har besvaret spørgsmålet, 'Ved ikke' "
        f"medregnet; 'Ved ikke' vises for sig.</li>"
        f"<li>Procenter for spørgsmål med flere svarmuligheder er af respondenterne (gennemførte "
        f"besvarelser samt delvise besvarelser med mindst ét kryds), ikke af antallet af kryds.</li>"
        f"<li>En figur vises kun, når mindst {settings().min_survey_base} har svaret.</li>"
        f"<li>Henvisningstal fra 1 til {settings().min_count - 1} vises som &lt;{settings().min_count}, "
        f"og raten skjules; "
        f"kunne et skjult tal regnes ud fra klyngens total, skjules også det næstmindste tal på mindst "
        f"{settings().min_count} ('skjult'), eller klyngens total. {_rates_shown(analysis)}</li>"
        f"<li>Fritekst er renset for CPR-numre, e-mails, telefonnumre, ydernumre og navne, før den vises.</li>"
        f"<li>Svarprocenten er AAPOR's RR2 (The American Association for Public Opinion Research, Standard "
        f"Definitions): gennemførte og delvise besvarelser divideret med alle inviterede, som alle regnes for "
        f"egnede; RR1 tæller kun de gennemførte.</li>"
        f"<li>Henvisningsrater er pr. 1.000 tilmeldte patienter med {fmt.percent(settings().confidence * 100)}"
        f"-konfidensinterval: eksakt Poisson-interval under {settings().exact_poisson_below} henvisninger, "
        f"Byars tilnærmelse fra {settings().exact_poisson_below} (som PHEindicatormethods' phe_rate).</li>"
        f"{FUNNEL_METHODS}"
        f"<li>Praksis vises under pseudonymer ({esc(metrics.CLUSTER)} er hele klyngen); "
        f"ydernumre og navne indgår ikke i rapporten.</li>{_follow_up_methods(analysis)}</ul>")
    return "".join(parts)


FUNNEL_METHODS = (
    "<li>Tragtdiagrammer (Spiegelhalter 2005, <i>Funnel plots for comparing institutional performance</i>, "
    "Statistics in Medicine 24, s. 1185–1202): en praksis med n tilmeldte forventes at have "
    "E = klyngens rate × n / 1.000 henvisninger; midterlinjen er klyngens rate uden afrunding. En praksis "
    "markeres 'under' på niveau L "
    "(95 % eller 99,8 %), når P(X ≤ x) &lt; (1 − L)/2, og 'over', når P(X ≥ x) &lt; (1 − L)/2, med X "
    "Poisson-fordelt med middelværdi E (eksakte ensidede test). Grænserne tegnes som Spiegelhalters "
    "interpolerede Poisson-fraktiler (appendiks A.1.2); den øvre grænse interpoleres i P(X ≥ x), så en "
    "prik ligger uden for den tegnede grænse, netop når den er markeret.</li>"
    "<li>Overspredning (Spiegelhalter 2005, afsnit 5; som FunnelPlotR): z = 2(√x − √E) for praksis med "
    "viste tal, winsoriseret ved 10 %- og 90 %-fraktilen; φ = gennemsnittet af z²; praksis varierer mere, "
    "end tilfældigheder forklarer, når I·φ overstiger 95 %-fraktilen i χ²-fordelingen med I − 1 "
    "frihedsgrader (I praksis, mindst 5). Så tegnes og markeres der mod grænser udvidet med den additive "
    "varians τ² = (I·φ − (I − 1)) / (Σw − Σw²/Σw), w = 4E (DerSimonian-Laird): E(1 ± z·√(1/(4E) + τ²))². "
    "Skjulte små tal indgår ikke i φ og τ², så de ikke kan regnes tilbage fra grænserne.</li>")


def _follow_up_methods(analysis: OrderAnalysis) -> str:
    if analysis.change is None:
        return ""
    follow_up = analysis.change
    return (
        f"<li>Opfølgning: spørgsmål sammenlignes med basismålingen efter spørgsmålsnummer; er formulering, "
        f"skala eller svarmuligheder ændret, vises runderne side om side uden vurdering.</li>"
        f"<li>En ændring vurderes kun, når begge runder har mindst {settings().min_change_base} svar: for "
        f"skalaspørgsmål andelen i de to højeste svarkategorier, for valgspørgsmål andelen pr. mulighed. "
        f"{follow_up.linked} respondenter kunne kobles mellem runderne (nøglet HMAC af e-mail eller "
        f"respondent-id; koblingen gemmes ikke). Hvor mindst {settings().min_change_base} koblede respondenter "
        f"og mindst halvdelen af hver rundes svar indgår, testes de parrede svar med den eksakte McNemar-test; "
        f"ellers med en tosidet test for to andele med kontinuitetskorrektion (R: prop.test). Ellers står der "
        f"'for få svar til at vurdere en ændring'.</li>"
        f"<li>Flere test på én gang: alle {follow_up.claims} test i opfølgningen (spørgeskemaets andele og "
        f"henvisningernes rateratioer) er justeret samlet med Holms metode (Holm 1979; R: p.adjust(p, 'holm')), "
        f"og en ændring nævnes kun, når den justerede p-værdi er under {fmt.number(settings().change_alpha, 2)}. "
        f"Tabellerne viser både den rå og den justerede p-værdi.</li>"
        f"<li>Henvisninger: klyngens rateratio (opfølgning/basismåling) pr. patient og dag, for alle praksis og "
        f"for de praksis, der er med i begge runder. Eksakt {fmt.percent(settings().confidence * 100)}"
        f"-konfidensinterval og p-værdi (betinget binomialfordeling, som R's poisson.test); er praksis "
        f"overspredte i en af runderne, skaleres variansen af rundens total med dens φ (kvasi-Poisson: "
        f"log-ratio ± z·√(φ₁/a + φ₀/b)). Et tal, der er skjult i den ene runde, skjules også i den anden, så "
        f"intet skjult tal kan regnes ud af forskellen. En praksis' placering i tragten i de to runder er en "
        f"placering, ikke en test af ændring.</li>")
