"""The codes are defined once (the engine's): the forms, the importer and the run settings agree."""

from types import SimpleNamespace

import pytest

from mri_match import vocabulary
from mri_match.bulk.columns import mentor_columns, trainee_columns
from mri_match.bulk.validate import RowChecker
from mri_match.engine import codes
from mri_match.matches import forms as match_forms
from mri_match.matches.cli import match_command
from mri_match.mentor.forms import MentorProfileForm, OfferForm
from mri_match.trainee.forms import ApplicationForm

TOPICS = tuple(t.code for t in codes.topics())


def _codes(choices) -> tuple[str, ...]:
    """The codes of a field's choices ({code: label} or (code, label) pairs), placeholder out."""
    pairs = choices.items() if isinstance(choices, dict) else choices
    return tuple(code for code, _ in pairs if code != "")


def test_vocabulary_labels_exactly_the_engines_codes_in_its_order():
    for choices, engine_codes in (
        (vocabulary.CAREER_STAGES, codes.CAREER_STAGES),
        (vocabulary.MENTORING_NEEDS, codes.MENTORING_NEEDS),
        (vocabulary.MENTOR_ROLES, codes.MENTOR_ROLES),
        (vocabulary.MEETING_PREFERENCES, codes.MEETING_PREFERENCES),
        (vocabulary.MEETING_FORMATS, codes.MEETING_FORMATS),
    ):
        assert _codes(choices) == engine_codes
        assert all(label.strip() for _, label in choices)
    assert _codes(vocabulary.topic_choices()) == TOPICS
    assert vocabulary.topics is codes.topics  # the topic list is read in one place
    assert vocabulary.topic_labels() == {t.code: t.label for t in codes.topics()}


def test_a_code_without_a_label_or_a_label_without_a_code_fails_loudly():
    with pytest.raises(RuntimeError, match=r"no label: \['b'\]"):
        vocabulary.labelled(("a", "b"), {"a": "A"}, "test")
    with pytest.raises(RuntimeError, match=r"no such code: \['c'\]"):
        vocabulary.labelled(("a",), {"a": "A", "c": "C"}, "test")


def test_the_trainee_and_mentor_forms_offer_the_engines_codes(app):
    with app.test_request_context():
        trainee = ApplicationForm()
        profile = MentorProfileForm()
        offer = OfferForm()
    assert _codes(trainee.career_stage.choices) == codes.CAREER_STAGES
    assert _codes(trainee.needs.choices) == codes.MENTORING_NEEDS
    assert _codes(trainee.requested_roles.choices) == codes.MENTOR_ROLES
    assert _codes(trainee.meeting_format.choices) == codes.MEETING_PREFERENCES
    assert _codes(trainee.topics.choices) == TOPICS
    assert _codes(profile.stages_accepted.choices) == codes.CAREER_STAGES
    assert _codes(profile.meeting_formats.choices) == codes.MEETING_FORMATS
    assert _codes(profile.needs_offered.choices) == codes.MENTORING_NEEDS
    assert _codes(profile.topics.choices) == TOPICS
    assert _codes(offer.roles.choices) == codes.MENTOR_ROLES


def test_the_importer_accepts_exactly_the_engines_codes():
    expected = {
        "trainee": {
            "career_stage": codes.CAREER_STAGES,
            "needs": codes.MENTORING_NEEDS,
            "requested_roles": codes.MENTOR_ROLES,
            "meeting_format": codes.MEETING_PREFERENCES,
            "topics": TOPICS,
        },
        "mentor": {
            "stages_accepted": codes.CAREER_STAGES,
            "needs_offered": codes.MENTORING_NEEDS,
            "meeting_formats": codes.MEETING_FORMATS,
            "roles": codes.MENTOR_ROLES,
            "topics": TOPICS,
        },
    }
    for kind, columns in (("trainee", trainee_columns()), ("mentor", mentor_columns())):
        by_name = {c.name: c for c in columns}
        # what a cell may hold: the code or its label, in any case; what is stored: the code
        lookups = RowChecker(kind, SimpleNamespace(tracks=[])).lookups
        for name, engine_codes in expected[kind].items():
            assert _codes(by_name[name].choices) == engine_codes, (kind, name)
            assert set(lookups[name].values()) == set(engine_codes), (kind, name)


def test_run_settings_and_the_match_command_offer_the_engines_codes():
    assert tuple(match_forms.OBJECTIVE_CHOICES) == codes.OBJECTIVES
    assert set(match_forms.SAME_INSTITUTION_CHOICES) == set(codes.SAME_INSTITUTION_POLICIES)
    assert tuple(match_forms.ROLE_CHOICES) == codes.MENTOR_ROLES
    options = {p.name: p for p in match_command.params}
    assert tuple(options["role"].type.choices) == codes.MENTOR_ROLES
    assert tuple(options["objective"].type.choices) == codes.OBJECTIVES
    assert set(options["same_institution"].type.choices) == set(codes.SAME_INSTITUTION_POLICIES)
