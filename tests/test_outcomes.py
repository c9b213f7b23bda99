"""The alumni outcomes report: Wilson intervals, the measures per cohort, suppression, CSV."""

import csv
import io

import pytest
from alumni_helpers import ANSWERS, completed_cycle, consented, mentored

from mri_match.alumni import service
from mri_match.reports.outcomes import outcomes_report, wilson_interval


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    # Newcombe (1998), Statistics in Medicine 17:857, the Wilson score interval column
    [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_interval_matches_published_values(successes, n, low, high):
    got = wilson_interval(successes, n)
    assert got == pytest.approx((low, high), abs=1e-4)


def test_wilson_interval_is_symmetric_and_stays_in_range():
    low, high = wilson_interval(3, 10)
    other_low, other_high = wilson_interval(7, 10)
    assert low == pytest.approx(1 - other_high) and high == pytest.approx(1 - other_low)
    assert wilson_interval(10, 10)[1] == 1.0 and 0 < wilson_interval(10, 10)[0] < 1
    assert wilson_interval(5, 10, confidence=0.99)[0] < wilson_interval(5, 10)[0]
    for bad in ((1, 0), (-1, 5), (6, 5)):
        with pytest.raises(ValueError):
            wilson_interval(*bad)


def _answer(application, year=2026, **changes):
    alumni = consented(application.trainee)
    service.save_response(alumni, year, {**ANSWERS, **changes})


@pytest.fixture
def cohorts(factory):
    """Eight medical students in one cycle (six answered), three residents in another (two)."""
    first = completed_cycle(factory, 700, name="MRI 2023–24")
    second = completed_cycle(factory, 300, name="MRI 2024–25")
    students = [
        mentored(factory, first, career_stage="medical_student", full_name=f"Student {i}")
        for i in range(8)
    ]
    specialties = ["hematology", "hematology_oncology", "oncology", "pediatric_hematology_oncology"]
    for application, specialty in zip(students, specialties, strict=False):
        _answer(application, specialty=specialty, ash_member=True)
    _answer(students[4], specialty="internal_medicine", degree_status="left", ash_member=False)
    _answer(students[5], specialty="undecided", ash_member=False, attended_annual_meeting=False)
    consented(students[6].trainee)  # agreed, never answered
    residents = [
        mentored(factory, second, career_stage="resident", full_name=f"Resident {i}")
        for i in range(3)
    ]
    _answer(residents[0], specialty="hematology")
    _answer(residents[1], year=2025, specialty="hematology")
    _answer(residents[1], year=2026, specialty="internal_medicine")  # the latest counts
    factory.application(cycle=second, career_stage="resident")  # no mentor: not an awardee
    return first, second


def _row(report, key):
    return next(r for r in [report.response_rate, *report.measures] if r.key == key)


def test_the_report_counts_each_measure_among_whom_it_applies(app, cohorts):
    report = outcomes_report()
    assert report.cohorts == ["MRI 2023–24", "MRI 2024–25"]
    assert report.awardees == 11 and report.consenting == 9

    rate = _row(report, "response_rate")
    assert (rate.total.count, rate.total.of, rate.total.percent) == (8, 11, 72.7)
    # the second cohort has three people: hidden, and the first with it (else 8 - 6 = 2)
    assert [f.suppressed for f in rate.cohorts] == [True, True]

    hem_onc = _row(report, "hematology_oncology")
    first = hem_onc.cohorts[0]
    assert (first.count, first.of, first.percent) == (4, 5, 80.0)  # "not chosen yet" is out
    low, high = wilson_interval(4, 5)
    assert (first.low, first.high) == (round(100 * low, 1), round(100 * high, 1))
    assert hem_onc.cohorts[1].suppressed  # no medical students there

    attrition = _row(report, "attrition").cohorts[0]
    assert (attrition.count, attrition.of) == (1, 6)

    retention = _row(report, "retention")
    assert retention.total.suppressed  # two residents answered: fewer than five

    members = _row(report, "ash_member").total
    assert (members.count, members.of) == (6, 8)


def test_the_page_and_the_download_show_the_figures_and_hide_small_cells(client, admin, cohorts):
    page = client.get("/admin/reports/outcomes").get_data(as_text=True)
    assert "Alumni outcomes" in page and "fewer than 5 people" in page
    assert "4 of 5" in page and "80.0%" in page and "Student 1" not in page
    assert "<svg" in page and "<table" in page
    response = client.get("/admin/reports/outcomes.csv")
    assert response.headers["Content-Disposition"] == 'attachment; filename="outcomes.csv"'
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0][:5] == ["Measure", "Cohort", "Count", "Of", "Percent"]
    first = ["Entering hematology/oncology", "MRI 2023–24"]
    assert next(r for r in rows if r[:2] == first)[2:5] == ["4", "5", "80.0"]
    assert any(r[2] == "fewer than 5" for r in rows)
    assert not any("Student" in cell or "Resident" in cell for r in rows for cell in r)


def test_an_empty_program_says_there_is_nothing_yet(client, admin):
    page = client.get("/admin/reports/outcomes").get_data(as_text=True)
    assert "nothing to report" in page
