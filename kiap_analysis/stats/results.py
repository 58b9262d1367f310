"""What an order's analysis holds: the results the pipeline's compute stage returns and
content, report and the private letters read (``run.pipeline``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kiap_analysis.clean import reconcile
from kiap_analysis.clean.survey import CleanSurvey
from kiap_analysis.core.errors import Problem
from kiap_analysis.core.orders import Order
from kiap_analysis.core.spec import PackageSpec
from kiap_analysis.ingest.admissions import AdmissionIngest
from kiap_analysis.ingest.agreements import Agreement
from kiap_analysis.ingest.places import Places, published_problem
from kiap_analysis.ingest.referrals import ListedIngest, ReferralIngest
from kiap_analysis.ingest.survey import SurveyIngest
from kiap_analysis.privacy.redaction import Redactor
from kiap_analysis.stats import change, funnel, metrics
from kiap_analysis.stats.disclosure import SizeBand


@dataclass
class SurveyResult:
    ingest: SurveyIngest = field(repr=False)  # holds respondents' names as read
    clean: CleanSurvey
    summary: metrics.ResponseSummary
    tables: dict[str, pd.DataFrame]  # chart questions: tables/<id>.csv
    free_text: dict[str, list[str]]
    links: dict[str, str] = field(default_factory=dict, repr=False)  # follow-ups: respondent_id -> keyed digest
    problems: list[Problem] = field(default_factory=list)  # counts that do not fit, e.g. invited < respondents


@dataclass
class ReferralResult:
    ingest: ReferralIngest = field(repr=False)  # ydernumre and practice names as read
    listed: ListedIngest = field(repr=False)
    rates: pd.DataFrame  # suppressed: practice (pseudonym), offer, referrals, referrals_shown, rate_per_1000, ...
    offers: list[str]
    warnings: list[Problem] = field(default_factory=list)
    raw_rates: pd.DataFrame | None = field(default=None, repr=False)  # before suppression (never shown)
    bands: tuple[SizeBand, ...] | None = None  # disclosure: strict: the practices' size bands (else None)

    @property
    def is_strict(self) -> bool:
        return self.bands is not None

    @property
    def funnels(self) -> dict[str, funnel.FunnelFit]:
        """Per offer: the funnel's unrounded centre and the practices' overdispersion."""
        return funnel.fit_offers(self.rates, metrics.CLUSTER)

    def sizes(self) -> list[float]:
        """The listed patients of the round's practices that have them (the public list's)."""
        listed = self.listed.listed.dropna(subset=["listed_patients"])
        return [float(n) for n in listed["listed_patients"] if n > 0]


@dataclass
class AdmissionResult:
    """The admissions package's numbers (stats.admissions), every count table suppressed."""

    ingest: AdmissionIngest = field(repr=False)  # ydernumre as read (no CPR number, no digest)
    listed: ListedIngest = field(repr=False)
    tables: dict[str, pd.DataFrame]  # weekday_hour, origin, age_focus, short_stays, readmissions
    rates: pd.DataFrame  # the referral package's rate table shape: practice, offer (focus area), referrals, ...
    areas: list[str]  # the rate table's 'offer's: all admissions first, then the focus areas
    warnings: list[Problem] = field(default_factory=list)

    @property
    def funnels(self) -> dict[str, funnel.FunnelFit]:
        return funnel.fit_offers(self.rates, metrics.CLUSTER)


@dataclass
class RoundResult:
    """One survey/data round: the order itself, or the baseline a follow-up compares with."""

    order: Order
    spec: PackageSpec
    survey: SurveyResult | None
    referrals: ReferralResult | None
    reconciliation: reconcile.Reconciliation | None = None
    problems: list[Problem] = field(default_factory=list)  # data loss and counts that do not fit (both severities)
    admissions: AdmissionResult | None = None

    @property
    def label(self) -> str:
        """How charts name the round: its period ('2025'), else 'Basismåling'/'Opfølgning'."""
        if self.order.period:
            return self.order.period.short_label()
        return "Opfølgning" if self.order.is_follow_up else "Basismåling"


@dataclass
class FollowUpChange:
    """What changed since the baseline (follow-up orders).

    Survey tables come before the small-base suppression (applied where they are shown or
    written); the referral table is built from rates suppressed with one pattern in both rounds.
    """

    matches: dict[str, change.QuestionMatch]  # chart questions of the follow-up, by id
    survey: dict[str, pd.DataFrame]  # question id -> change.survey_change table
    referrals: pd.DataFrame | None  # change.referral_change table
    warnings: list[Problem] = field(default_factory=list)
    period_days: tuple[int, int] | None = None  # the baseline's and the follow-up's period lengths
    claims: int = 0  # tested changes, Holm-adjusted together (claims.adjust)
    linked: int = 0  # respondents linked between the rounds (their paired answers are tested)
    membership: tuple[int, int] | None = None  # strict mode: (practices left, joined); their letters not shown

    @property
    def periods_differ(self) -> bool:
        return lengths_differ(self.period_days)


def lengths_differ(days: tuple[int, int] | None) -> bool:
    """Whether the rounds' periods differ in length by more than 5 %."""
    return days is not None and abs(days[0] - days[1]) > 0.05 * max(days)


@dataclass
class OrderAnalysis:
    orders_file: Path
    order: Order
    spec: PackageSpec
    current: RoundResult
    baseline: RoundResult | None
    # Private (never in a repr): ydernumre, practice, respondent and listed names in the inputs ...
    identifiers: dict[str, set[str]] = field(repr=False)
    # ... and ydernummer -> (letter, name).
    practices: dict[str, tuple[str, str]] = field(default_factory=dict, repr=False)

    redactor: Redactor = field(default_factory=Redactor)  # every identifier above (respondents' names too)
    change: FollowUpChange | None = None
    places: Places = field(default_factory=Places)  # input file and sheet names that hold an identifier
    agreements: tuple[Agreement, ...] = ()  # a follow-up's: what the baseline meeting agreed

    def published(self, text: str) -> str:
        """Text from the inputs as it may be published: file and sheet names holding an
        identifier replaced ('fil 1'), identifiers redacted."""
        return self.redactor(self.places(text))

    def published_problem(self, problem: Problem) -> Problem:
        return published_problem(problem, self.places, self.redactor)

    @property
    def warnings(self) -> list[Problem]:
        """Every warning, with any identifying text in it redacted (warnings reach reports)."""
        found: list[Problem] = []
        for rnd in (self.current, self.baseline):
            if rnd is None:
                continue
            if rnd.survey:
                found += rnd.survey.ingest.warnings
            if rnd.referrals:
                found += rnd.referrals.warnings
            if rnd.admissions:
                found += rnd.admissions.warnings
            found += [p for p in rnd.problems if p.severity == "warning"]
        if self.change is not None:
            found += self.change.warnings
        return [self.published_problem(p) for p in found]
