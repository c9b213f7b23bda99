"""Stored statement vectors: computed on save and import (large imports on the worker), stale
ones found by model and text, read by matching runs, refreshed by `flask embeddings`, deleted
with the text. A small word-hashing encoder stands in for the semantic model, so these run
without it; tests/test_embeddings_semantic.py runs the real one."""

import uuid
import zlib

import numpy as np
import pytest
from conftest import RESEARCH_RUN
from test_bulk import MENTOR, TRAINEE, csv_bytes, person, upload
from test_mentor import profile_data
from test_trainee import complete_answers
from worker_helpers import work_off

from mri_match.embeddings import service, store
from mri_match.engine.encoding import mentor_text
from mri_match.engine.text import expand
from mri_match.extensions import db
from mri_match.matches import jobs, runs
from mri_match.models import Application, MentorProfile, Publication, StatementEmbedding
from mri_match.privacy.deletion import delete_account
from mri_match.privacy.retention import purge

DIM = 16


class WordEncoder:
    """Each word of the expanded text hashed to one of 16 dimensions, L2-normalised; every
    call is recorded."""

    def __init__(self, model_id="word-hash (1)"):
        self.model_id = model_id
        self.calls: list[list[str]] = []

    def encode(self, texts):
        self.calls.append(list(texts))
        out = np.zeros((len(texts), DIM), np.float32)
        for k, text in enumerate(texts):
            for word in expand(text).split():
                out[k, zlib.crc32(word.encode()) % DIM] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms > 0, norms, 1.0)

    def texts(self) -> list[str]:
        return [t for call in self.calls for t in call]


@pytest.fixture
def encoder(app):
    enc = WordEncoder()
    app.extensions[store.EXTENSION] = enc
    yield enc
    app.extensions.pop(store.EXTENSION, None)


def vectors() -> dict[tuple[str, int], StatementEmbedding]:
    db.session.expire_all()
    rows = db.session.scalars(db.select(StatementEmbedding)).all()
    return {
        ("application", r.application_id) if r.application_id else ("mentor", r.mentor_id): r
        for r in rows
    }


def test_without_a_semantic_model_nothing_is_stored_and_refresh_says_so(
    app, client, factory, auth, runner
):
    app.config["STATEMENT_MODEL"] = "tfidf"
    profile = factory.mentor()
    auth.login(profile.user)
    assert client.post("/mentor/profile", data=profile_data()).status_code == 302
    assert store.encoder() is None and vectors() == {}
    result = runner.invoke(args=["embeddings", "refresh"])
    assert result.exit_code == 1 and "does not use embeddings" in result.output


def test_saving_a_mentor_profile_stores_its_vector_once_per_text(client, factory, auth, encoder):
    profile = factory.mentor()
    auth.login(profile.user)
    client.post("/mentor/profile", data=profile_data(ash_member_number=profile.ash_member_number))
    row = vectors()[("mentor", profile.id)]
    text = next(service.texts("mentor", [profile.id]))[profile.id]
    assert row.model == "word-hash (1)" and row.dimensions == DIM
    assert np.allclose(store.unpack(row.vector), encoder.encode([text])[0])  # float32 bytes
    assert row.text_hash == store.semantic.text_digest(text)
    calls, digest = len(encoder.calls), row.text_hash

    # saving the same text again computes nothing; a new statement is computed again
    client.post("/mentor/profile", data=profile_data(ash_member_number=profile.ash_member_number))
    assert len(encoder.calls) == calls
    client.post(
        "/mentor/profile",
        data=profile_data(
            ash_member_number=profile.ash_member_number, expertise_statement="ITP " * 30
        ),
    )
    assert len(encoder.calls) == calls + 1 and "ITP" in encoder.calls[-1][0]
    assert vectors()[("mentor", profile.id)].text_hash != digest


def test_saving_an_application_stores_its_vector(client, factory, auth, encoder):
    cycle = factory.cycle()
    trainee = factory.user("trainee")
    auth.login(trainee)
    response = client.post(f"/trainee/cycles/{cycle.slug}/apply", data=complete_answers())
    assert response.status_code == 302
    application = db.session.scalar(db.select(Application))
    assert vectors()[("application", application.id)].model == "word-hash (1)"


def test_a_mentor_text_is_what_a_run_reads_ticked_publications_included(
    client, factory, auth, encoder
):
    cycle = factory.cycle(status="closed", closes_in_days=-1)
    profile = factory.mentor(cycle=cycle, publications="Own list of papers")
    profile.fetched_publications = [
        Publication(key="pmid:1", title="Menin inhibitors in AML", origin="listed", included=True),
        Publication(key="pmid:2", title="Not ticked", origin="listed", included=False),
    ]
    db.session.commit()
    text = next(service.texts("mentor", [profile.id]))[profile.id]
    assert "Own list of papers" in text and "Menin inhibitors" in text and "Not ticked" not in text
    applications, trainees, mentors, settings = runs.build_inputs(cycle, dict(RESEARCH_RUN))
    assert mentor_text(mentors[0]) == text
    assert np.array_equal(mentors[0].embedding, encoder.encode([text])[0])

    # ticking another publication on the mentor's page computes the vector again
    auth.login(profile.user)
    other = profile.fetched_publications[1].id
    first = profile.fetched_publications[0].id
    client.post("/mentor/publications/choices", data={"included": [str(first), str(other)]})
    assert "Not ticked" in encoder.calls[-1][0]
    assert vectors()[("mentor", profile.id)].text_hash == store.semantic.text_digest(
        next(service.texts("mentor", [profile.id]))[profile.id]
    )


def test_a_failing_model_never_undoes_the_save(client, factory, auth, encoder, monkeypatch):
    def broken(texts):
        raise RuntimeError("model files missing")

    monkeypatch.setattr(encoder, "encode", broken)
    profile = factory.mentor()
    auth.login(profile.user)
    response = client.post("/mentor/profile", data=profile_data(full_name="Dr Saved"))
    assert response.status_code == 302
    assert db.session.get(MentorProfile, profile.id).full_name == "Dr Saved"
    assert vectors() == {}


def test_vectors_are_computed_in_batches_and_empty_texts_have_none(app, factory, encoder):
    cycle = factory.cycle()
    apps = [factory.application(cycle=cycle, research_statement=f"AML case {n}") for n in range(5)]
    out, outcome = store.ensure(
        "application", {a.id: f"AML case {a.id}" for a in apps}, encoder, batch=2
    )
    db.session.commit()
    assert [len(c) for c in encoder.calls] == [2, 2, 1]
    assert outcome.computed == 5 and set(out) == {a.id for a in apps}

    # a statement emptied: its vector goes, and none is made
    texts = {a.id: f"AML case {a.id}" for a in apps} | {apps[0].id: "  "}
    out, outcome = store.ensure("application", texts, encoder)
    db.session.commit()
    assert outcome.current == 4 and outcome.removed == 1 and outcome.computed == 0
    assert apps[0].id not in out and ("application", apps[0].id) not in vectors()


def test_a_matching_run_reads_stored_vectors_and_computes_only_the_missing(
    app, factory, encoder, monkeypatch
):
    cycle = factory.cycle(status="closed", closes_in_days=-1)
    mentors = [factory.mentor(cycle=cycle, expertise_statement=f"Topic {n} " * 5) for n in range(3)]
    apps = [factory.application(cycle=cycle, research_statement=f"Question {n}") for n in range(4)]
    blank = factory.application(cycle=cycle, research_statement="")  # no vector: zeros
    service.after_save(applications=apps[:2], mentors=mentors[:1])
    # a recognisable stored vector: the run must pass this one, not a recomputed one
    marked = np.zeros(DIM, np.float32)
    marked[3] = 1.0
    row = vectors()[("application", apps[0].id)]
    row.vector = store.pack(marked)
    db.session.commit()
    encoder.calls.clear()

    seen = {}
    real = runs.propose

    def spy(trainees, mentor_inputs, settings):
        seen.update(trainees=trainees, mentors=mentor_inputs, settings=settings)
        return real(trainees, mentor_inputs, settings)

    monkeypatch.setattr(runs, "propose", spy)
    admin = factory.user("admin")
    run = runs.run_matching(cycle, dict(RESEARCH_RUN), actor=admin)
    assert run.status == "done" and seen["settings"].text_model == "hybrid"
    # only the two trainees and two mentors without a vector were embedded, in one batch each
    assert sorted(len(c) for c in encoder.calls) == [2, 2]
    by_id = {t.id: t.embedding for t in seen["trainees"]}
    assert np.array_equal(by_id[apps[0].id], marked)
    assert all(t.embedding is not None for t in seen["trainees"] + seen["mentors"])
    assert not by_id[blank.id].any() and by_id[blank.id].shape == (DIM,)
    assert len(vectors()) == 7  # the computed ones were stored with the run


def test_a_new_model_makes_every_vector_stale(app, factory, encoder, runner):
    cycle = factory.cycle()
    apps = [factory.application(cycle=cycle) for _ in range(3)]
    mentor = factory.mentor(cycle=cycle)
    service.after_save(applications=apps, mentors=[mentor])
    encoder.calls.clear()

    result = runner.invoke(args=["embeddings", "refresh"])
    assert result.exit_code == 0, result.output
    assert "application statements: 0 computed, 3 up to date" in result.output
    assert encoder.calls == []

    encoder.model_id = "word-hash (2)"
    result = runner.invoke(args=["embeddings", "status"])
    assert "4 vectors by word-hash (1) (stale: another model)" in result.output
    # a run notices the new model by itself and embeds again what it reads
    service.compute("application", [apps[0].id])
    assert encoder.texts() == [apps[0].research_statement]
    result = runner.invoke(args=["embeddings", "refresh"])
    assert "application statements: 2 computed, 1 up to date" in result.output
    assert "mentor statements: 1 computed, 0 up to date" in result.output
    assert {r.model for r in vectors().values()} == {"word-hash (2)"}
    result = runner.invoke(args=["embeddings", "refresh", "--all"])
    assert "application statements: 3 computed" in result.output


def test_a_small_import_computes_its_vectors_at_once(app, client, factory, auth, encoder):
    cycle = factory.cycle(status="open", slug="c2027")
    auth.login(factory.user("admin"))
    data = csv_bytes([person(TRAINEE, 1), person(TRAINEE, 2)])
    assert upload(client, cycle, data, mode="all").status_code == 302
    assert [len(c) for c in encoder.calls] == [2]
    assert len(vectors()) == 2


def test_a_large_import_goes_to_the_worker(app, client, factory, auth, encoder, redis_url):
    app.config.update(
        REDIS_URL=redis_url, MATCHING_QUEUE=f"test-{uuid.uuid4().hex}", EMBEDDING_INLINE_LIMIT=2
    )
    try:
        cycle = factory.cycle(status="open", slug="c2027")
        auth.login(factory.user("admin"))
        data = csv_bytes([person(MENTOR, n) for n in range(3)])
        assert upload(client, cycle, data, kind="mentor", mode="all").status_code == 302
        assert encoder.calls == [] and vectors() == {}
        assert jobs.queue().count == 1
        work_off(jobs.queue())
        assert [len(c) for c in encoder.calls] == [3]
        assert len(vectors()) == 3 and all(k[0] == "mentor" for k in vectors())
    finally:
        jobs.queue().delete(delete_jobs=True)


def test_an_import_stands_when_the_queue_is_down(app, client, factory, auth, encoder):
    app.config.update(REDIS_URL="redis://127.0.0.1:1/0", EMBEDDING_INLINE_LIMIT=1)
    cycle = factory.cycle(status="open", slug="c2027")
    auth.login(factory.user("admin"))
    data = csv_bytes([person(TRAINEE, 1), person(TRAINEE, 2)])
    assert upload(client, cycle, data, mode="all").status_code == 302
    assert db.session.scalar(db.select(db.func.count(Application.id))) == 2
    assert encoder.calls == [] and vectors() == {}  # a run computes them


def test_the_personal_data_download_holds_the_vectors(app, client, factory, auth, encoder):
    profile = factory.mentor()
    other = factory.mentor()
    service.after_save(mentors=[profile, other])
    auth.login(profile.user)
    data = client.get("/account/data.json").get_json()
    (vector,) = data["statement_vectors"]
    assert vector["of"] == "mentor profile" and vector["model"] == "word-hash (1)"
    stored = store.unpack(vectors()[("mentor", profile.id)].vector)
    assert np.allclose(vector["values"], stored, atol=1e-6)


def test_deleting_an_account_deletes_its_vectors(app, factory, encoder):
    cycle = factory.cycle()
    application = factory.application(cycle=cycle)
    other = factory.application(cycle=cycle)
    mentor = factory.mentor(cycle=cycle)
    service.after_save(applications=[application, other], mentors=[mentor])
    delete_account(application.trainee)
    delete_account(mentor.user)
    db.session.commit()
    assert set(vectors()) == {("application", other.id)}


def test_the_purge_deletes_vectors_with_the_statements(app, factory, encoder):
    from test_privacy import completed

    old = completed(factory, 400, "old")
    recent = completed(factory, 10, "recent")
    gone = factory.application(cycle=old)
    stays = factory.application(cycle=recent)
    mentor = factory.mentor(cycle=old)
    service.after_save(applications=[gone, stays], mentors=[mentor])
    counts = purge(app.config["RETENTION_DAYS"], dry_run=True)
    assert counts["statement vectors"] == 2 and len(vectors()) == 3
    counts = purge(app.config["RETENTION_DAYS"])
    db.session.commit()
    assert counts["statement vectors"] == 2
    assert set(vectors()) == {("application", stays.id)}


def test_vectors_go_with_a_deleted_application_row(app, factory, encoder):
    application = factory.application()
    service.after_save(applications=[application])
    db.session.execute(db.delete(Application).where(Application.id == application.id))
    db.session.commit()
    assert vectors() == {}
