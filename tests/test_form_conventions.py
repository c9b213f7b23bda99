"""Every form follows the same conventions, checked across the whole app rather than per page:

* a field is marked required (the asterisk) exactly when leaving it blank is refused, for every
  form class and on every page that shows a form;
* a refused form shows an error summary at the top whose links lead to the fields in error.
"""

import re
from html.parser import HTMLParser

import pytest
from flask import template_rendered
from flask_wtf import FlaskForm
from test_authorization_matrix import ACCESS, ALLOWED, World, _client_as, _routes, _url

import mri_match
from mri_match.forms import error_summary
from mri_match.trainee.forms import ApplicationForm

# Forms whose blank answer is refused without being a field a person fills in.
NOT_A_FIELD = {
    # the rows ticked in the applications table: the summary names them, the table is the field
    ("BulkEligibilityForm", "application"),
    # the mentor chosen by the button pressed, not a field
    ("SwapForm", "mentor_id"),
}
# Forms built with arguments the view gives them.
ARGUMENTS = {ApplicationForm: {"tracks": ["Fellow", "Resident"]}}


def _form_classes() -> list[type[FlaskForm]]:
    seen, todo = [], [FlaskForm]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if sub.__module__.startswith("mri_match.") and sub not in seen:
                seen.append(sub)
            todo.append(sub)
    return sorted(seen, key=lambda c: c.__qualname__)


def _import_every_form_module() -> None:
    import importlib
    import pkgutil

    for module in pkgutil.walk_packages(mri_match.__path__, "mri_match."):
        if module.name.endswith((".forms", ".views")) or ".views" in module.name:
            importlib.import_module(module.name)


def test_every_form_class_marks_exactly_the_answers_it_requires(app):
    """A blank submission is refused for exactly the fields whose required flag makes the
    macros mark them (a submitted application: everything needed to submit)."""
    _import_every_form_module()
    classes = _form_classes()
    assert len(classes) > 20
    problems = []
    for cls in classes:
        with app.test_request_context(method="POST", data={"probe": "1"}):
            form = cls(**ARGUMENTS.get(cls, {}))
            if getattr(form.meta, "csrf", True) is False:
                continue  # a GET filter: every choice has a blank "Any"
            validate = getattr(form, "validate_complete", form.validate)
            validate()
            refused = {name for name, field in form._fields.items() if field.errors} - {
                "csrf_token"
            }
            refused -= {name for owner, name in NOT_A_FIELD if owner == cls.__name__}
            marked = {name for name, field in form._fields.items() if field.flags.required}
            if refused != marked:
                problems.append(
                    f"{cls.__module__}.{cls.__name__}: refused blank but not marked "
                    f"{sorted(refused - marked)}; marked but not refused {sorted(marked - refused)}"
                )
    assert problems == [], "\n".join(problems)


class _Page(HTMLParser):
    """The ids on a page, the fields marked required, and the error summary's links."""

    def __init__(self, html: str):
        super().__init__()
        self.ids: set[str] = set()
        self.marked: set[str] = set()
        self.summary_links: list[str] = []
        self.summaries = 0
        self._in_summary = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if "required-marker" in (attrs.get("class") or "").split() and "data-field" in attrs:
            self.marked.add(attrs["data-field"])
        if tag == "div":
            if self._in_summary:
                self._in_summary += 1
            elif "data-error-summary" in attrs:
                self.summaries += 1
                self._in_summary = 1
        if tag == "a" and self._in_summary and (attrs.get("href") or "").startswith("#"):
            self.summary_links.append(attrs["href"][1:])

    def handle_endtag(self, tag):
        if tag == "div" and self._in_summary:
            self._in_summary -= 1


def _forms_in(context: dict) -> list[FlaskForm]:
    return [value for value in context.values() if isinstance(value, FlaskForm)]


@pytest.fixture
def capture(app):
    rendered: list[dict] = []

    def record(sender, template, context, **extra):
        rendered.append(context)

    template_rendered.connect(record, app)
    yield rendered
    template_rendered.disconnect(record, app)


@pytest.fixture
def pages(app, factory):
    """The seeded world of the authorization matrix, plus an open cycle with tracks, a trainee
    about to apply and a mentor without a profile yet."""
    world = World(factory)
    open_cycle = factory.cycle(status="open", tracks=["Fellow", "Resident"])
    newcomer = factory.user("mentor")
    newcomer_trainee = factory.user("trainee")
    extra = [
        ("trainee", f"/trainee/cycles/{open_cycle.slug}/apply", newcomer_trainee.id),
        ("mentor", f"/mentor/cycles/{open_cycle.slug}/offer", world.mentor.user_id),
        ("mentor", "/mentor/profile", newcomer.id),
    ]
    return world, extra


def _role_for(access: str) -> str | None:
    for role in ("anonymous", "admin", "trainee", "mentor"):
        if role in ALLOWED[access]:
            return role
    return None


def _visits(app, world, extra, method):
    users, values = world.users(), world.values()
    for verb, endpoint, rule in _routes(app):
        if verb != method or endpoint.endswith("static"):
            continue
        role = _role_for(ACCESS[(verb, endpoint)])
        yield role, _url(rule, values), users[role]
    for role, url, user_id in extra:
        yield role, url, user_id


def test_every_page_marks_the_required_fields_it_shows_and_no_others(app, pages, capture):
    world, extra = pages
    problems = []
    for role, url, user_id in _visits(app, world, extra, "GET"):
        capture.clear()
        response = _client_as(app, user_id).get(url)
        response.close()
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        page = _Page(response.get_data(as_text=True))
        shown_required, shown = set(), set()
        for context in capture:
            for form in _forms_in(context):
                for name, field in form._fields.items():
                    if {field.id, f"{field.id}-0"} & page.ids:
                        shown.add(name)
                        if field.flags.required:
                            shown_required.add(name)
        if page.marked != shown_required:
            problems.append(
                f"{url} as {role}: required but not marked {sorted(shown_required - page.marked)};"
                f" marked but not required {sorted(page.marked - shown_required)}"
            )
    assert problems == [], "\n".join(problems)


def test_every_refused_form_sums_up_its_errors_with_links_to_the_fields(app, pages, capture):
    world, extra = pages
    checked, problems = [], []
    # the people first and the admin last, so that the admin's actions change the world after
    visits = sorted(_visits(app, world, extra, "POST"), key=lambda visit: visit[0] == "admin")
    for role, url, user_id in visits:
        capture.clear()
        data = {"probe": "1", "action": "submit"}
        response = _client_as(app, user_id).post(url, data=data)
        response.close()
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        page = _Page(html)
        for context in capture:
            for form in _forms_in(context):
                expected = [target for target, _ in error_summary(form) if target]
                shown = any({field.id, f"{field.id}-0"} & page.ids for field in form)
                if not form.errors or not shown:
                    continue
                checked.append(url)
                if page.summaries < 1:
                    problems.append(f"POST {url} as {role}: errors but no summary")
                missing = [t for t in expected if t not in page.summary_links]
                dangling = [t for t in page.summary_links if t not in page.ids]
                if missing or dangling:
                    problems.append(
                        f"POST {url} as {role}: summary lacks links to {missing}; "
                        f"links to nothing: {dangling}"
                    )
    assert problems == [], "\n".join(problems)
    assert len(set(checked)) >= 10, checked


def test_the_summary_comes_before_the_form_and_is_focused_by_static_script(client, factory):
    trainee = factory.user("trainee")
    cycle = factory.cycle(status="open")
    client = _client_as(client.application, trainee.id)
    html = client.post(f"/trainee/cycles/{cycle.slug}/apply", data={"action": "submit"}).get_data(
        as_text=True
    )
    assert html.index("data-error-summary") < html.index('id="full_name"')
    assert re.search(
        r'<div class="[^"]*" data-error-summary tabindex="-1">\s*<div role="alert">', html
    )
    script = (mri_match.PROJECT_ROOT / "static/js/forms.js").read_text()
    assert "[data-error-summary]" in script and ".focus(" in script
    assert '<script src="/static/js/forms.js" defer></script>' in html


def test_the_macros_decide_the_marker_and_no_template_passes_it():
    templates = mri_match.PROJECT_ROOT / "templates"
    for path in templates.rglob("*.html"):
        if path.name == "_macros.html":
            continue
        text = path.read_text()
        assert not re.search(r"required=(True|False|form\.)", text), path
        assert "data-field=" not in text or path.name == "_macros.html", path
