"""Survey pages: answering a survey (trainee or mentor), a cycle's questions and timing, a
pair's answers, and the survey report (admins only)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..access import admin_required, role_required
from ..extensions import db, read_only
from ..forms import EmptyForm
from ..mentorship.services import side_of
from ..models import Match, SurveyQuestion, SurveyResponse
from ..models.surveys import AUDIENCES, LIKERT, QUESTION_KINDS, SURVEYS, WHEN_ASKED
from ..spreadsheet import to_csv
from ..web import commit_change, download, get_cycle
from . import bp, report
from .answers import SurveyError, asked, response_of, submit
from .forms import QuestionForm, TimingForm, field_name, survey_form
from .questions import (
    QuestionError,
    add_question,
    answered_ids,
    change_question,
    delete_question,
    ensure_questions,
)
from .schedule import open_survey

# --- a trainee or mentor answers ------------------------------------------------------------


@bp.route("/matches/<int:match_id>/surveys/<survey>", methods=["GET", "POST"])
@role_required("trainee", "mentor")
def take(match_id: int, survey: str):
    match = db.get_or_404(Match, match_id)
    side = side_of(match, current_user)
    if side is None or survey not in SURVEYS:
        abort(404)
    window = open_survey(match.id, survey, current_user.id)
    answered = response_of(match.id, survey, side)
    if window is None or answered is not None:
        return render_template("surveys/closed.html", match=match, survey=survey, answered=answered)
    questions = asked(ensure_questions(match.cycle), survey, side)
    form = survey_form(questions)
    if form.validate_on_submit() and commit_change(
        lambda: submit(
            match, survey, person=current_user, questions=questions, values=form.values()
        ),
        "Thank you. Your answers went to the program team only.",
        errors=(SurveyError,),
    ):
        return redirect(url_for("matches.my_match", match_id=match.id))
    other = match.mentor.full_name if side == "trainee" else match.application.full_name
    return render_template(
        "surveys/take.html",
        match=match,
        survey=survey,
        title=SURVEYS[survey],
        other=other,
        form=form,
        fields=[form[field_name(q)] for q in questions],
        closes_at=window.window.closes_at,
    ), (400 if form.errors else 200)


# --- admins: questions and timing --------------------------------------------------------------


def _questions_page(cycle, timing: TimingForm):
    return render_template(
        "surveys/questions.html",
        cycle=cycle,
        questions=ensure_questions(cycle),
        answered=answered_ids(cycle),
        timing=timing,
        kinds=QUESTION_KINDS,
        audiences=AUDIENCES,
        when_asked=WHEN_ASKED,
    )


@bp.route("/admin/cycles/<slug>/surveys")
@admin_required
def questions(slug: str):
    cycle = get_cycle(slug)
    return _questions_page(cycle, TimingForm(formdata=None, obj=cycle))


@bp.route("/admin/cycles/<slug>/surveys/timing", methods=["POST"])
@admin_required
def timing(slug: str):
    cycle = get_cycle(slug)
    form = TimingForm()
    if form.validate_on_submit():
        form.populate_obj(cycle)
        db.session.commit()
        flash("The survey timing is saved.", "success")
        return redirect(url_for(".questions", slug=cycle.slug))
    return _questions_page(cycle, form), 400


def _question_or_404(cycle, question_id: int) -> SurveyQuestion:
    question = db.get_or_404(SurveyQuestion, question_id)
    if question.cycle_id != cycle.id:
        abort(404)
    return question


@bp.route("/admin/cycles/<slug>/surveys/questions/new", methods=["GET", "POST"])
@admin_required
def new_question(slug: str):
    cycle = get_cycle(slug)
    form = QuestionForm()
    if form.validate_on_submit():
        add_question(cycle, form.data_for_question())
        db.session.commit()
        flash("The question is added.", "success")
        return redirect(url_for(".questions", slug=cycle.slug))
    return render_template("surveys/question_form.html", cycle=cycle, form=form, question=None), (
        400 if form.errors else 200
    )


@bp.route("/admin/cycles/<slug>/surveys/questions/<int:question_id>", methods=["GET", "POST"])
@admin_required
def edit_question(slug: str, question_id: int):
    cycle = get_cycle(slug)
    question = _question_or_404(cycle, question_id)
    form = QuestionForm() if request.method == "POST" else QuestionForm.of(question)
    if form.validate_on_submit() and commit_change(
        lambda: change_question(question, form.data_for_question()),
        "The question is saved.",
        errors=(QuestionError,),
    ):
        return redirect(url_for(".questions", slug=cycle.slug))
    return render_template(
        "surveys/question_form.html", cycle=cycle, form=form, question=question
    ), (400 if form.errors else 200)


@bp.route(
    "/admin/cycles/<slug>/surveys/questions/<int:question_id>/delete", methods=["GET", "POST"]
)
@admin_required
def remove_question(slug: str, question_id: int):
    cycle = get_cycle(slug)
    question = _question_or_404(cycle, question_id)
    form = EmptyForm()
    if form.validate_on_submit():
        commit_change(
            lambda: delete_question(question), "The question is deleted.", errors=(QuestionError,)
        )
        return redirect(url_for(".questions", slug=cycle.slug))
    return render_template("surveys/confirm_delete.html", cycle=cycle, question=question, form=form)


# --- admins: answers ---------------------------------------------------------------------------


@bp.route("/admin/matches/<int:match_id>/surveys")
@read_only
@admin_required
def pair_answers(match_id: int):
    match = db.get_or_404(Match, match_id)
    responses = db.session.scalars(
        db.select(SurveyResponse)
        .where(SurveyResponse.match_id == match.id)
        .order_by(SurveyResponse.answered_at, SurveyResponse.id)
    ).all()
    return render_template(
        "surveys/pair_answers.html",
        match=match,
        responses=responses,
        surveys=SURVEYS,
        likert=LIKERT,
    )


@bp.route("/admin/cycles/<slug>/surveys/report")
@read_only
@admin_required
def report_page(slug: str):
    cycle = get_cycle(slug)
    built = report.survey_report(cycle)
    return render_template(
        "surveys/report.html",
        cycle=cycle,
        report=built,
        charts=report.charts(built),
        suppressed=report.SUPPRESSED,
    )


@bp.route("/admin/cycles/<slug>/surveys/report.csv")
@read_only
@admin_required
def report_csv(slug: str):
    cycle = get_cycle(slug)
    built = report.survey_report(cycle)
    return download(
        to_csv(report.TABLE_HEADER, report.table_rows(built)), f"{cycle.slug}-surveys.csv"
    )
