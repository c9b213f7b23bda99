"""A mentor's publications: identifiers checked, fetched from a local stand-in for ORCID, PubMed
and Crossref (tests/publications_fake.py), ticked, read by matching, and every failure said
on the page with the publications left as they were."""

import json
import uuid

import pytest
import time_machine
from publications_fake import CROSSREF_DOI, ORCID, Running
from worker_helpers import work_off

from mri_match.extensions import db
from mri_match.matches import runs
from mri_match.models import MentorProfile, Publication, PublicationSource
from mri_match.privacy.deletion import delete_account
from mri_match.privacy.personal_data import personal_data
from mri_match.publications import jobs, service, sources
from mri_match.publications.identifiers import (
    IdentifierError,
    normalise_orcid,
    orcid_checksum,
    parse_identifiers,
)

PAGE = "/mentor/publications"


@pytest.fixture
def fake(app):
    running = Running()
    app.config.update(running.config(), PUBLICATIONS_INLINE=True)
    yield running.fake
    running.stop()


@pytest.fixture
def mentor(factory, auth):
    profile = factory.mentor(cycle=factory.cycle(), expertise_statement="Hematology.")
    auth.login(profile.user)
    return profile


def _save_sources(client, orcid="", identifiers=""):
    return client.post(PAGE, data={"orcid": orcid, "identifiers": identifiers})


def _titles(profile) -> list[str]:
    db.session.expire_all()
    return [p.title for p in profile.fetched_publications]


# --- identifiers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "given",
    ["0000-0002-1825-0097", "https://orcid.org/0000-0002-1825-0097", "0000000218250097 "],
)
def test_an_orcid_id_is_normalised(given):
    assert normalise_orcid(given) == "0000-0002-1825-0097"


def test_the_orcid_check_character_is_iso_7064_mod_11_2():
    assert orcid_checksum("000000021825009") == "7"
    assert orcid_checksum("000000021694233") == "X"
    assert normalise_orcid("0000-0002-1694-233x") == "0000-0002-1694-233X"
    with pytest.raises(IdentifierError, match="last character does not match"):
        normalise_orcid("0000-0002-1825-0098")
    with pytest.raises(IdentifierError, match="groups of four"):
        normalise_orcid("0000-0002-1825")


def test_pubmed_ids_and_dois_are_read_in_any_usual_spelling():
    keys, errors = parse_identifiers(
        "PMID: 31018945, https://doi.org/10.1182/Blood.2019000001\n"
        "https://pubmed.ncbi.nlm.nih.gov/29000003/ ; doi:10.1056/NEJMoa2000002 31018945"
    )
    assert keys == [
        "pmid:31018945",
        "doi:10.1182/blood.2019000001",
        "pmid:29000003",
        "doi:10.1056/nejmoa2000002",
    ]
    assert errors == []
    _, errors = parse_identifiers("31018945 blood-paper")
    assert len(errors) == 1 and "blood-paper" in errors[0]


# --- the page and a fetch ----------------------------------------------------------------------


def test_a_mentor_without_a_profile_is_sent_to_fill_it_in(factory, auth, client):
    auth.login(factory.user("mentor"))
    response = client.get(PAGE)
    assert response.status_code == 302 and response.headers["Location"].endswith("/profile")


def test_a_bad_orcid_id_is_refused_next_to_its_field_and_nothing_is_saved(mentor, client, fake):
    response = _save_sources(client, orcid="0000-0002-1825-0098", identifiers="31018945 nope")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'href="#orcid"' in page and "last character does not match" in page
    assert 'href="#identifiers"' in page and "“nope” is neither a PubMed ID" in page
    assert db.session.scalar(db.select(PublicationSource)) is None and fake.requests == []


def test_orcid_and_listed_ids_are_fetched_with_their_abstracts(mentor, client, fake):
    response = _save_sources(client, orcid=f"https://orcid.org/{ORCID}", identifiers="29000003")
    assert response.status_code == 302
    db.session.expire_all()
    source = mentor.publication_source
    assert source.status == "done" and source.orcid == ORCID
    assert "1 works on your ORCID record have no title" in source.message
    by_title = {p.title: p for p in mentor.fetched_publications}
    assert set(by_title) == {
        "Hydroxyurea adherence in children with sickle cell anemia",  # PMID from ORCID
        "Gene therapy for sickle cell disease",  # DOI found in PubMed by esearch
        "Red cell alloimmunization in transfused patients",  # DOI only in Crossref
        "Pain crises in the emergency department: a grand rounds talk",  # ORCID's title only
        "Transcranial Doppler screening for stroke risk in sickle cell anemia",  # listed
    }
    hydroxyurea = by_title["Hydroxyurea adherence in children with sickle cell anemia"]
    assert hydroxyurea.abstract.startswith("Background: Hydroxyurea lowers the rate of vaso")
    assert hydroxyurea.key == "pmid:31018945" and hydroxyurea.year == 2019
    assert hydroxyurea.journal == "Blood" and hydroxyurea.origin == "orcid"
    crossref = by_title["Red cell alloimmunization in transfused patients"]
    assert crossref.key == f"doi:{CROSSREF_DOI}" and crossref.abstract.startswith("Patients with")
    assert by_title["Gene therapy for sickle cell disease"].year == 2021  # a MedlineDate
    listed = by_title["Transcranial Doppler screening for stroke risk in sickle cell anemia"]
    assert listed.origin == "listed"
    assert not any(p.included for p in mentor.fetched_publications)  # the mentor ticks them

    # One efetch for every PubMed ID, each request polite and identified.
    efetch = [r for r in fake.requests if r.path.endswith("efetch.fcgi")]
    assert len(efetch) == 1
    assert set(efetch[0].args["id"].split(",")) == {"29000003", "31018945", "32000002"}
    for request in fake.requests:
        assert "mailto:mri-team@example.org" in request.headers["User-Agent"]
    for request in fake.requests:
        if request.path.startswith("/eutils/"):
            assert request.args["tool"] == "mri_match"
            assert request.args["email"] == "mri-team@example.org"
    assert [r.args["mailto"] for r in fake.requests if r.path.startswith("/crossref/")] == [
        "mri-team@example.org"
    ]

    page = client.get(PAGE).get_data(as_text=True)
    assert "Last fetched" in page and "0 of 5 ticked" in page
    assert "Transcranial Doppler screening" in page and "from your ORCID record" in page
    assert f'value="{ORCID}"' in page and "29000003</textarea>" in page


def test_ticked_publications_and_only_those_feed_the_statement_model(mentor, client, fake):
    _save_sources(client, identifiers="31018945\n29000003")
    ids = {p.title: p.id for p in mentor.fetched_publications}
    hydroxyurea = ids["Hydroxyurea adherence in children with sickle cell anemia"]
    response = client.post(f"{PAGE}/choices", data={"included": [str(hydroxyurea)]})
    assert response.status_code == 302
    db.session.expire_all()
    assert [p.id for p in mentor.fetched_publications if p.included] == [hydroxyurea]
    assert "Matching will read 1 of your 2 publications" in client.get(PAGE).get_data(as_text=True)

    offer = mentor.offers[0]
    text = runs.publication_texts([mentor.id])[mentor.id]
    assert "Hydroxyurea adherence" in text and "text-message reminders" in text.lower()
    assert "Transcranial" not in text
    engine_mentor = runs.mentor_input(offer, 1, None, text)
    assert "Hydroxyurea adherence" in engine_mentor.publications

    # what a run reads: the ticked text with the free-text publications
    mentor.publications = "Older papers on iron overload."
    db.session.commit()
    _, _, mentors, _ = runs.build_inputs(offer.cycle, runs_settings())
    read = mentors[0].publications
    assert read.startswith("Older papers on iron overload.") and "electronic pill caps" in read


def runs_settings() -> dict:
    from conftest import RESEARCH_RUN

    return dict(RESEARCH_RUN)


def test_a_publication_not_on_the_list_cannot_be_ticked(mentor, client, fake, factory):
    _save_sources(client, identifiers="31018945")
    other = factory.mentor()
    foreign = Publication(mentor_id=other.id, key="pmid:1", title="Someone else's", origin="listed")
    db.session.add(foreign)
    db.session.commit()
    response = client.post(f"{PAGE}/choices", data={"included": [str(foreign.id)]})
    assert response.status_code == 200
    assert "Choose only from the options listed" in response.get_data(as_text=True)
    db.session.expire_all()
    assert not foreign.included


def test_fetching_again_keeps_the_ticks_of_publications_still_there(mentor, client, fake):
    _save_sources(client, identifiers="31018945 29000003")
    kept = next(p for p in mentor.fetched_publications if p.pmid == "31018945")
    client.post(f"{PAGE}/choices", data={"included": [str(kept.id)]})
    _save_sources(client, identifiers="31018945 10.5555/transfusion.2020.3")
    db.session.expire_all()
    by_key = {p.key: p.included for p in mentor.fetched_publications}
    assert by_key == {"pmid:31018945": True, f"doi:{CROSSREF_DOI}": False}


def test_clearing_both_fields_removes_the_publications(mentor, client, fake):
    _save_sources(client, identifiers="31018945")
    response = _save_sources(client)
    assert response.status_code == 302
    assert _titles(mentor) == [] and mentor.publication_source.status is None


# --- failures: said on the page, nothing else changed ------------------------------------------


def _fetched_once(client, fake) -> None:
    _save_sources(client, identifiers="31018945")
    fake.requests.clear()


@pytest.mark.parametrize(
    ("prefix", "answer", "message"),
    [
        ("/eutils/efetch", (500, "Internal Server Error"), "PubMed could not answer (error 500)"),
        (
            "/eutils/efetch",
            (429, '{"error":"API rate limit exceeded"}', {"Retry-After": "120"}),
            "PubMed is receiving too many requests",
        ),
        ("/eutils/efetch", (200, "<PubmedArticleSet><PubmedArt"), "PubMed sent an answer we"),
        ("/eutils/efetch", (200, "<eFetchResult><ERROR>oops</ERROR>"), "PubMed sent an answer"),
        ("/orcid/", (200, "{not json"), "ORCID sent an answer we could not read"),
        ("/orcid/", (503, "down for maintenance"), "ORCID could not answer (error 503)"),
    ],
)
def test_a_service_failing_is_said_and_the_publications_stay(
    mentor, client, fake, prefix, answer, message
):
    _fetched_once(client, fake)
    before = _titles(mentor)
    fake.script(prefix, answer, answer)
    _save_sources(client, orcid=ORCID, identifiers="31018945")
    db.session.expire_all()
    assert mentor.publication_source.status == "failed"
    assert before == ["Hydroxyurea adherence in children with sickle cell anemia"]
    assert _titles(mentor) == before
    page = client.get(PAGE).get_data(as_text=True)
    assert "could not be fetched" in page and message in page
    assert "the ones fetched before, unchanged" in page


def test_an_unknown_orcid_record_or_listed_id_is_named(mentor, client, fake):
    _save_sources(client, orcid="0000-0001-5109-3700")
    db.session.expire_all()
    assert "ORCID has no public record for 0000-0001-5109-3700" in mentor.publication_source.message
    _save_sources(client, identifiers="31018945 99999999 10.1000/nowhere")
    db.session.expire_all()
    assert mentor.publication_source.message == (
        "Not found in PubMed or Crossref: PMID 99999999, 10.1000/nowhere. Check them, "
        "or take them off the list."
    )
    assert _titles(mentor) == []
    assert "Nothing was changed." in client.get(PAGE).get_data(as_text=True)


def test_a_429_with_a_short_retry_after_is_waited_out_once(mentor, client, fake, monkeypatch):
    waits = []
    monkeypatch.setattr(sources.time, "sleep", waits.append)
    fake.script("/eutils/efetch", (429, "slow down", {"Retry-After": "2"}))
    _save_sources(client, identifiers="31018945")
    assert _titles(mentor) == ["Hydroxyurea adherence in children with sickle cell anemia"]
    assert 2.0 in waits and len(fake.paths("/eutils/efetch")) == 2


def test_a_service_that_does_not_answer_in_time_is_said(app, mentor, client, fake):
    app.config["PUBLICATIONS_TIMEOUT"] = 0.2
    fake.delay = 0.6
    _save_sources(client, identifiers="31018945")
    db.session.expire_all()
    assert mentor.publication_source.message == (
        "PubMed did not answer in time or could not be reached. Try again later."
    )


def test_a_service_out_of_reach_is_said(app, mentor, client, fake):
    app.config["NCBI_EUTILS_URL"] = "http://127.0.0.1:9/eutils"  # the discard port: refused
    _save_sources(client, identifiers="31018945")
    db.session.expire_all()
    assert "PubMed did not answer in time or could not be reached" in (
        mentor.publication_source.message
    )


def test_an_unexpected_error_fails_the_fetch_without_a_500(mentor, client, fake, monkeypatch):
    def broken(*args, **kwargs):
        raise KeyError("surprise")

    monkeypatch.setattr(service, "collect", broken)
    response = _save_sources(client, identifiers="31018945")
    assert response.status_code == 302
    db.session.expire_all()
    assert mentor.publication_source.message == service.FAILED_UNEXPECTEDLY


# --- rate limits and batches -------------------------------------------------------------------


class _Clock:
    def __init__(self):
        self.now = 100.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds

    def __call__(self) -> float:
        return self.now


def test_pubmed_is_asked_at_most_three_times_a_second_in_batches(app, fake):
    clock = _Clock()
    client = sources.Client("test-agent", 5, sleep=clock.sleep, clock=clock)
    pubmed = sources.Service("PubMed", app.config["NCBI_EUTILS_URL"], sources.NCBI_INTERVAL)
    pmids = [str(n) for n in range(1, 451)] + ["31018945"]
    articles = sources.pubmed_articles(client, pubmed, pmids, {"tool": "t", "email": "e"})
    assert [a.pmid for a in articles] == ["31018945"]
    batches = [r.args["id"].split(",") for r in fake.requests]
    assert [len(b) for b in batches] == [200, 200, 51]
    assert clock.slept == [0.34, 0.34]  # the clock stood still between requests


def test_an_ncbi_api_key_is_sent_and_allows_ten_requests_a_second(app):
    app.config["NCBI_API_KEY"] = "k123"
    assert service.services(app.config).pubmed.interval == sources.NCBI_INTERVAL_WITH_KEY
    assert sources.ncbi_params("a@b.org", "k123")["api_key"] == "k123"


# --- the background worker ---------------------------------------------------------------------


def _work_off_the_queue() -> None:
    work_off(jobs.queue())


@pytest.fixture
def on_worker(app, fake, redis_url):
    app.config.update(
        REDIS_URL=redis_url,
        PUBLICATIONS_INLINE=False,
        PUBLICATIONS_QUEUE=f"test-publications-{uuid.uuid4().hex}",
    )
    yield app
    jobs.queue().delete(delete_jobs=True)


def test_the_fetch_runs_on_the_worker_and_the_page_says_so_meanwhile(on_worker, mentor, client):
    _save_sources(client, identifiers="31018945")
    db.session.expire_all()
    assert mentor.publication_source.status == "queued" and _titles(mentor) == []
    page = client.get(PAGE).get_data(as_text=True)
    assert "Fetching your publications." in page and "Check again" in page
    assert "Fetching runs in the background." in page

    _work_off_the_queue()
    assert _titles(mentor) == ["Hydroxyurea adherence in children with sickle cell anemia"]
    assert mentor.publication_source.status == "done"


def test_a_superseded_fetch_does_nothing(on_worker, mentor, client):
    _save_sources(client, identifiers="31018945")
    _save_sources(client, identifiers="29000003")
    source = db.session.scalar(db.select(PublicationSource))
    assert service.run_fetch(mentor.id, source.request_number - 1) == "skipped"
    assert _titles(mentor) == []
    _work_off_the_queue()
    assert [p.pmid for p in mentor.fetched_publications] == ["29000003"]


def test_a_worker_out_of_reach_is_said_and_nothing_is_lost(app, mentor, client, fake):
    _save_sources(client, identifiers="31018945")
    app.config.update(PUBLICATIONS_INLINE=False, REDIS_URL="redis://127.0.0.1:9/0")
    response = _save_sources(client, identifiers="29000003")
    assert response.status_code == 302
    db.session.expire_all()
    assert mentor.publication_source.message == jobs.WORKER_UNREACHABLE
    assert [p.pmid for p in mentor.fetched_publications] == ["31018945"]


# --- personal data -----------------------------------------------------------------------------


def test_the_personal_data_download_includes_the_publications(mentor, client, fake):
    _save_sources(client, orcid=ORCID, identifiers="29000003")
    data = personal_data(mentor.user)["publications"]
    assert data["orcid"] == ORCID and data["identifiers"] == ["pmid:29000003"]
    titles = [p["title"] for p in data["fetched"]]
    assert "Transcranial Doppler screening for stroke risk in sickle cell anemia" in titles
    assert {"used_for_matching", "abstract", "from_orcid_record"} <= set(data["fetched"][0])
    json.dumps(data)


def test_deleting_the_account_deletes_the_publications(mentor, client, fake):
    _save_sources(client, orcid=ORCID)
    assert db.session.scalar(db.select(db.func.count(Publication.id))) == 4
    delete_account(mentor.user)
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count(Publication.id))) == 0
    assert db.session.scalar(db.select(db.func.count(PublicationSource.id))) == 0
    assert db.session.get(MentorProfile, mentor.id) is not None


def test_the_retention_purge_removes_publications_with_the_profile_text(factory):
    from test_privacy import completed

    from mri_match.privacy.retention import purge

    old, recent = completed(factory, 400, "old"), completed(factory, 10, "recent")
    gone, kept = factory.mentor(cycle=old), factory.mentor(cycle=recent)
    for profile in (gone, kept):
        profile.fetched_publications = [Publication(key="pmid:1", title="T", origin="listed")]
        profile.publication_source = PublicationSource(orcid=ORCID, identifiers=["pmid:1"])
    db.session.commit()
    assert purge(365, dry_run=True)["fetched publications"] == 1
    assert purge(365)["fetched publications"] == 1
    db.session.commit()
    assert db.session.scalars(db.select(Publication.mentor_id)).all() == [kept.id]
    assert db.session.scalars(db.select(PublicationSource.mentor_id)).all() == [kept.id]


def test_ticking_none_is_an_answer(mentor, client, fake):
    _save_sources(client, identifiers="31018945")
    publication = mentor.fetched_publications[0]
    client.post(f"{PAGE}/choices", data={"included": [str(publication.id)]})
    response = client.post(f"{PAGE}/choices", data={})
    assert response.status_code == 302
    db.session.expire_all()
    assert not publication.included
    assert runs.publication_texts([mentor.id]) == {}


def test_a_fetch_the_worker_never_finished_says_so_and_can_be_retried(app, mentor, client, fake):
    _save_sources(client, identifiers="31018945")
    source = mentor.publication_source
    source.status = "fetching"  # as a worker killed mid-fetch leaves it
    db.session.commit()
    page = client.get(PAGE).get_data(as_text=True)
    assert "Fetching your publications." in page and "did not finish" not in page
    limit = app.config["PUBLICATIONS_JOB_TIMEOUT"]
    with time_machine.travel(source.requested_at.timestamp() + limit + 120):
        page = client.get(PAGE).get_data(as_text=True)
    assert "Fetching did not finish." in page and "Fetching your publications." not in page
    assert "the ones fetched before, unchanged" in page
    _save_sources(client, identifiers="31018945")
    db.session.expire_all()
    assert mentor.publication_source.status == "done"


def test_admins_see_the_orcid_id_and_the_ticked_publications(mentor, client, fake, auth, factory):
    _save_sources(client, orcid=ORCID)
    gene = next(p for p in mentor.fetched_publications if p.title.startswith("Gene therapy"))
    client.post(f"{PAGE}/choices", data={"included": [str(gene.id)]})
    auth.logout()
    auth.login(factory.user("admin"))
    page = client.get(f"/admin/mentors/{mentor.id}").get_data(as_text=True)
    assert f"ORCID iD {ORCID}." in page and "1 of 4 ticked for matching:" in page
    assert "<li>Gene therapy for sickle cell disease (2021)</li>" in page
    assert "Hydroxyurea adherence" not in page
