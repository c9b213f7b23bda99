"""A cycle's reports as tables and charts: each report is one aggregate, drawn and tabulated.

The same table feeds the page (beside the chart) and the CSV download, so they never disagree.
"""

from collections.abc import Callable
from dataclasses import dataclass

from . import funnel, pairs, scores, topics
from .charts import Chart, Series, bar_chart


@dataclass(frozen=True)
class Report:
    name: str  # also the CSV file name
    title: str
    caption: str
    header: list[str]
    rows: list[list]
    chart: Chart
    notes: list[str]


def funnel_report(cycle) -> Report:
    stages = funnel.funnel(cycle)
    first = stages[0].count
    rows = [
        [s.label, s.count, round(100 * s.count / first, 1) if first else 0.0, s.definition]
        for s in stages
    ]
    desc = "; ".join(f"{s.label} {s.count}" for s in stages) + "."
    chart = bar_chart(
        "chart-funnel",
        f"Trainee funnel, {cycle.name}",
        desc,
        [s.label for s in stages],
        [Series("Trainees", [s.count for s in stages])],
    )
    return Report(
        "funnel",
        "Funnel",
        f"Trainees at each stage of {cycle.name}",
        ["Stage", "Trainees", "Share of registered (%)", "Definition"],
        rows,
        chart,
        [f"{s.label}: {s.definition}" for s in stages],
    )


def topics_report(cycle) -> Report:
    balance = topics.topic_balance(cycle)
    short = [b for b in balance if b.gap < 0]
    if short:
        desc = "Biggest shortages: " + "; ".join(
            f"{b.label}, {b.demand} trainees for {b.places} places" for b in short[:5]
        )
    else:
        desc = "No topic has more trainees than mentor places."
    chart = bar_chart(
        "chart-topics",
        f"Trainee demand and mentor places by topic, {cycle.name}",
        desc + ".",
        [b.label for b in balance],
        [
            Series("Demand", [b.demand for b in balance]),
            Series("Places", [b.places for b in balance]),
        ],
    )
    return Report(
        "topics",
        "Supply and demand by topic",
        "Trainee demand against mentor places per topic, biggest shortage first",
        ["Topic", "Trainee demand", "Mentor places", "Gap (places minus demand)"],
        [[b.label, b.demand, b.places, b.gap] for b in balance],
        chart,
        [
            "Demand: submitted or eligible applications that list the topic (an application "
            "with several topics counts once for each).",
            "Places: the summed capacity of active (not paused) offers in this cycle whose "
            "mentor lists the topic. A negative gap is a shortage: recruit mentors there.",
        ],
    )


def scores_report(cycle) -> Report:
    bins = scores.score_distribution(cycle)
    chart = bar_chart(
        "chart-scores",
        f"Match score distribution, {cycle.name}",
        "Number of proposals and of confirmed matches per score band: "
        + "; ".join(f"{b.label}: {b.proposals} and {b.confirmed}" for b in bins)
        + ".",
        [b.label for b in bins],
        [
            Series("Proposals", [b.proposals for b in bins]),
            Series("Confirmed", [b.confirmed for b in bins]),
        ],
    )
    return Report(
        "scores",
        "Match scores",
        "Proposals and confirmed matches per score band (0–100)",
        ["Score band", "Proposals", "Confirmed matches"],
        [[b.label, b.proposals, b.confirmed] for b in bins],
        chart,
        [
            "Proposals: those with a mentor in the latest completed matching run of each role.",
            "Confirmed: matches an admin confirmed, waiting for the mentor's answer, active or "
            "ended (not those the mentor declined or let lapse). Scores are rounded to whole "
            "points as shown elsewhere; the top band holds 90 to 100.",
        ],
    )


def _share_report(name, title, caption, first_column, shares, chart_id, notes) -> Report:
    total = shares[0].total if shares else 0
    chart = bar_chart(
        chart_id,
        title,
        f"{total} confirmed pairs: "
        + "; ".join(f"{s.label} {s.percent:g}% ({s.count})" for s in shares)
        + ".",
        [s.label for s in shares],
        [Series("Share of pairs", [s.percent for s in shares], unit="%")],
    )
    return Report(
        name,
        title,
        caption,
        [first_column, "Pairs", "Share of pairs (%)"],
        [[s.label, s.count, s.percent] for s in shares],
        chart,
        notes,
    )


def meeting_report(cycle) -> Report:
    return _share_report(
        "meeting",
        "Meeting format",
        "Confirmed pairs by the trainee's preferred meeting format",
        "Trainee preference",
        pairs.meeting_formats(cycle),
        "chart-meeting",
        [
            "Confirmed pairs (waiting for the mentor's answer, active or ended), by the meeting "
            "format the trainee asked for."
        ],
    )


def geography_report(cycle) -> Report:
    return _share_report(
        "geography",
        "Geography",
        "Confirmed pairs by how close trainee and mentor are",
        "Distance",
        pairs.geography(cycle),
        "chart-geography",
        [
            "Each pair counts once, at the closest level that applies: same institution, then "
            "same city (in the same region and country), same region, same country.",
        ],
    )


REPORTS: dict[str, Callable] = {
    "funnel": funnel_report,
    "topics": topics_report,
    "scores": scores_report,
    "meeting": meeting_report,
    "geography": geography_report,
}
