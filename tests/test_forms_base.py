"""Every form derives from BaseForm: finite numbers only, and text without control characters."""

import importlib
import pkgutil

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import DecimalField, FloatField, PasswordField, StringField

import mri_match
from mri_match.engine.inputs import CRITERIA
from mri_match.extensions import db
from mri_match.forms import NOT_FINITE_MESSAGE, BaseForm, clean_filename
from mri_match.models import MatchRun

NOT_FINITE = ["sNaN", "NaN", "-NaN", "Infinity", "-Infinity", "inf", "-sNaN123"]


def _all_forms():
    for module in pkgutil.walk_packages(mri_match.__path__, "mri_match."):
        if module.name.endswith("forms"):
            importlib.import_module(module.name)
    found, todo = set(), [BaseForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                todo.append(sub)
    return sorted(found, key=lambda c: (c.__module__, c.__name__))


FORMS = _all_forms()


def _fields_of(form_class, kinds, app):
    with app.test_request_context(method="POST"):
        form = form_class()
        return [name for name, field in form._fields.items() if isinstance(field, kinds)]


def test_every_form_of_the_app_is_a_base_form():
    from flask_wtf import FlaskForm

    assert len(FORMS) > 20
    stray = []
    todo = list(FlaskForm.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("mri_match") and not issubclass(cls, BaseForm):
            stray.append(cls.__qualname__)
    assert stray == []


@pytest.mark.parametrize("value", NOT_FINITE)
def test_numbers_that_are_not_finite_are_refused_beside_the_field(app, value):
    numeric = [(f, _fields_of(f, (DecimalField, FloatField), app)) for f in FORMS]
    numeric = [(f, names) for f, names in numeric if names]
    assert numeric, "the run settings form has decimal weights"
    for form_class, names in numeric:
        for name in names:
            with app.test_request_context(method="POST", data={name: value}):
                form = form_class(formdata=MultiDict({name: value}))
                form.validate()
                field = form[name]
                assert field.errors == [NOT_FINITE_MESSAGE], (form_class, name, value)
                field()  # renders without raising (a signalling NaN raises on quantize)


@pytest.mark.parametrize("value", ["\x00", "\x01", "\x1b", "\x7f", "\x85"])
def test_control_characters_are_cleaned_from_every_text_field(app, value):
    seen = 0
    for form_class in FORMS:
        for name in _fields_of(form_class, StringField, app):
            with app.test_request_context(method="POST"):
                form = form_class(formdata=MultiDict({name: f"Ana{value} Sickle\nline\ttab"}))
                field = form[name]
                if isinstance(field, PasswordField):
                    continue
                seen += 1
                assert field.data.strip() == "Ana Sickle\nline\ttab", (form_class, name)
    assert seen > 40


@pytest.mark.parametrize("value", ["\x1b", "\x00\x7f"])
def test_text_of_control_characters_alone_is_validated_as_left_blank(app, value):
    """Optional and InputRequired read the cleaned input: a field of control characters alone
    is blank to every validator, so none meets an empty value it was never meant to see."""
    for form_class in FORMS:
        for name in _fields_of(form_class, StringField, app):
            with app.test_request_context(method="POST"):
                blank = form_class(formdata=MultiDict({name: ""}))
                blank.validate()
                form = form_class(formdata=MultiDict({name: value}))
                form.validate()  # raises if a validator is handed text it cannot read
                if isinstance(form[name], PasswordField):
                    continue
                assert form[name].raw_data == [""], (form_class, name)
                assert form[name].errors == blank[name].errors, (form_class, name)


def test_file_names_are_cleaned():
    assert clean_filename("people\x00.xlsx") == "people.xlsx"
    assert clean_filename("C:\\Users\\ana\\people.csv") == "people.csv"
    assert clean_filename("../../etc/\x1bpasswd") == "passwd"
    assert clean_filename(None) == ""
    assert len(clean_filename("a" * 1000 + ".csv")) == 200


@pytest.mark.parametrize("value", ["sNaN", "NaN", "Infinity"])
def test_run_settings_refuse_a_weight_that_is_not_a_number(client, admin, factory, value):
    cycle = factory.cycle(status="closed", opens_in_days=-30, closes_in_days=-1)
    data = {"role": "research", "objective": "total", "same_institution": "ignore"}
    data |= {"min_score": "0"} | {f"weight_{c.name}": "1" for c in CRITERIA}
    data[f"weight_{CRITERIA[0].name}"] = value
    response = client.post(f"/admin/cycles/{cycle.slug}/runs", data=data)
    assert response.status_code in (200, 400)
    assert NOT_FINITE_MESSAGE in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(MatchRun.id))) == 0
