"""Stored statement vectors with the real semantic model (the optional extra): the bundled
MiniLM's name and version on each vector, and a matching run in the hybrid mode reading them.
Without the extra these tests skip, except under REQUIRE_SEMANTIC (CI's semantic step)."""

import os

import numpy as np
import pytest
from conftest import RESEARCH_RUN

from mri_match.embeddings import service, store
from mri_match.engine import semantic
from mri_match.extensions import db
from mri_match.matches import runs
from mri_match.models import StatementEmbedding

pytestmark = pytest.mark.skipif(
    not semantic.available() and not os.environ.get("REQUIRE_SEMANTIC"),
    reason=semantic.missing_reason(),
)


def test_vectors_carry_the_model_and_a_hybrid_run_reads_them(app, factory, monkeypatch):
    assert store.statement_model() == "hybrid"
    cycle = factory.cycle(status="closed", closes_in_days=-1)
    mentors = [
        factory.mentor(cycle=cycle, expertise_statement="Sickle cell disease pain and SCD care"),
        factory.mentor(cycle=cycle, expertise_statement="Acute myeloid leukemia and venetoclax"),
    ]
    apps = [
        factory.application(cycle=cycle, research_statement="vaso-occlusive crises in SCD"),
        factory.application(cycle=cycle, research_statement="AML in older adults"),
    ]
    service.after_save(applications=apps, mentors=mentors)
    rows = db.session.scalars(db.select(StatementEmbedding)).all()
    assert len(rows) == 4
    assert {r.model for r in rows} == {semantic.model_id()}
    assert all(r.dimensions == 384 and len(r.vector) == 384 * 4 for r in rows)
    stored = {r.application_id: store.unpack(r.vector) for r in rows if r.application_id}
    fresh = semantic.encode([a.research_statement for a in apps])
    assert np.allclose(stored[apps[0].id], fresh[0], atol=1e-5)

    def no_encoding(*args, **kwargs):
        raise AssertionError("a run with every vector stored embeds nothing")

    monkeypatch.setattr(semantic, "encode", no_encoding)
    run = runs.run_matching(cycle, dict(RESEARCH_RUN), actor=factory.user("admin"))
    assert run.status == "done" and run.summary["matched"] == 2
