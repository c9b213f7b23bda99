"""Lexicon expansion and the TF-IDF text model."""

import numpy as np
import pytest
import scipy.sparse as sp

from mri_match.engine import text, text_similarity
from mri_match.engine.text import TextModel, expand, load_lexicon


def test_lexicon_covers_the_field_abbreviations():
    lex = load_lexicon()
    for abbr in ["SCD", "AML", "ALL", "CLL", "CML", "MDS", "MPN", "ITP", "TTP", "VTE", "HSCT"]:
        assert abbr in lex.abbreviations
    for abbr in ["CAR-T", "GVHD", "VWD", "PNH"]:
        assert abbr in lex.abbreviations
    assert lex.abbreviations["SCD"] == "sickle cell disease"


def test_upper_case_all_is_leukemia_the_word_all_is_not():
    out = expand("ALL relapse in all children; All patients")
    assert out.startswith("acute lymphoblastic leukemia relapse in all children")
    assert out.endswith("all patients")
    assert "acute lymphoblastic leukemia" not in expand("all of them, All of us")


def test_abbreviations_need_whole_tokens():
    assert expand("SCD") == "sickle cell disease"
    assert expand("SCDs and xAML and AML-like") == "scds and xaml and aml-like"
    assert expand("CAR-T cells") == "chimeric antigen receptor t cell therapy cells"
    assert expand("Aml") == "aml"  # case-sensitive: only the upper-case abbreviation


def test_synonyms_and_spelling_variants():
    assert expand("Sickle cell anaemia") == "sickle cell disease"
    assert expand("leukaemia and haematology") == "leukemia and hematology"
    assert expand("bone marrow transplant") == "hematopoietic stem cell transplantation"
    # a canonical phrase is not rewritten again from a shorter synonym inside it
    canonical = "hematopoietic stem cell transplantation"
    assert expand(canonical) == canonical


def test_text_similarity_shape_range_and_lexicon_effect():
    trainees = ["I study AML and CAR-T therapy", "pain crises in SCD", ""]
    mentors = [
        "Acute myeloid leukemia genomics; chimeric antigen receptor T cell therapy",
        "Sickle cell disease vaso-occlusive pain crises",
        "hemophilia gene therapy",
        "",
    ]
    sim = text_similarity(trainees, mentors)
    assert sim.shape == (3, 4)
    assert (sim >= 0).all() and (sim <= 1 + 1e-9).all()
    assert sim[0].argmax() == 0 and sim[1].argmax() == 1
    assert sim[2].max() == 0 and sim[:, 3].max() == 0
    # without the lexicon "AML" and "acute myeloid leukemia" would share nothing
    assert sim[0, 0] > 0.3


def test_the_word_all_does_not_match_acute_lymphoblastic_leukemia():
    sim = text_similarity(
        ["we treat all patients", "we treat ALL patients"],
        ["acute lymphoblastic leukemia clinic", "breast cancer clinic"],
    )
    assert sim[0, 0] == pytest.approx(0.0)
    assert sim[1, 0] > 0.2


def test_empty_and_degenerate_inputs():
    assert text_similarity([], ["x"]).shape == (0, 1)
    assert text_similarity(["x"], []).shape == (1, 0)
    # Stop words only: no TF-IDF term at all (the semantic modes embed such a text all the same).
    assert (text_similarity(["the and of"], ["the"], mode="tfidf") == 0).all()


def test_pair_similarity_and_shared_terms_agree_with_the_matrix(monkeypatch):
    trainees = ["sickle cell disease hydroxyurea adherence", "AML venetoclax"]
    mentors = ["hydroxyurea in SCD", "acute myeloid leukemia venetoclax resistance", "ITP"]
    model = TextModel.fit(trainees, mentors)
    full = model.similarity()
    r, c = np.meshgrid(np.arange(2), np.arange(3), indexing="ij")
    assert np.allclose(model.pair_similarity(r.ravel(), c.ravel()).reshape(2, 3), full, atol=1e-6)
    terms = model.shared_terms(0, 0)
    assert len(terms) == 3
    for term, _ in terms:  # every reported term occurs in both (expanded) statements
        assert term in expand(trainees[0]) and term in expand(mentors[0])
    # the shared terms are words, and they add up to the words' part of the cosine
    assert set(model.terms[: model.n_words]) >= {t for t, _ in model.shared_terms(1, 1, n=100)}
    words_only = _fit_words_only(trainees, mentors, monkeypatch)
    assert sum(v for _, v in model.shared_terms(1, 1, n=100)) == pytest.approx(
        (1 - text.PREFIX_WEIGHT) * words_only.cosine()[1, 1], abs=1e-5
    )
    many = model.shared_terms_many(np.array([0, 1]), np.array([0, 1]))
    assert [t for t, _ in many[0]] == [t for t, _ in terms]


def test_prefix_tree_patterns_expand_exactly_like_a_plain_alternation():
    """The lexicon's patterns are prefix trees for speed; they must match what a flat
    longest-first alternation of the same terms matches, with the same boundaries."""
    import random
    import re

    from mri_match.engine.text import _compile, load_lexicon

    lex = load_lexicon()
    rng = random.Random(7)
    for terms, lower in ((tuple(lex.abbreviations), False), (tuple(lex.synonyms), True)):
        ordered = tuple(sorted(terms, key=len, reverse=True))
        flat = "|".join(re.escape(t) for t in ordered)
        if lower:
            plain = re.compile(rf"\b(?:{flat})\b")
        else:
            plain = re.compile(rf"(?<![\w-])(?:{flat})(?![\w-])")
        tree = _compile(ordered, lower)
        pieces = [*terms, "a", "s", "-", " ", "x", "cell", "T", "ALLs", "the", ".", "("]
        for _ in range(3000):
            text = "".join(rng.choice(pieces) + rng.choice(["", " "]) for _ in range(8))
            assert [m.span() for m in tree.finditer(text)] == [
                m.span() for m in plain.finditer(text)
            ], text


def test_value_is_the_cosine_over_the_trainees_best_cosine_or_the_floor():
    from mri_match.engine.text import FLOOR, calibrate

    trainees = [
        "sickle cell pain crises in the emergency department",
        "hydroxyurea adherence",
        "my project is about nothing in particular, with one word: emergency",
    ]
    mentors = [
        "Sickle cell disease: vaso-occlusive pain and emergency department care",
        "Sickle cell disease: hydroxyurea adherence in adolescents",
        "Hemophilia gene therapy with AAV vectors",
        "Research on emergency medicine, trauma, sepsis, resuscitation, critical care and triage",
    ]
    model = TextModel.fit(trainees, mentors)
    cos, sim = model.cosine(), model.similarity()
    ref = np.maximum(cos.max(axis=1), FLOOR)
    assert np.allclose(sim, cos / ref[:, None], atol=1e-6)
    assert np.allclose(calibrate(cos), sim, atol=1e-6)
    # the closest mentor counts fully; the order of a trainee's mentors is the cosine's
    assert sim[0].max() == pytest.approx(1.0) and sim[1].max() == pytest.approx(1.0)
    for row_cos, row_sim in zip(cos, sim, strict=True):
        assert np.array_equal(
            np.argsort(-row_cos, kind="stable"), np.argsort(-row_sim, kind="stable")
        )
    # a statement that barely meets any mentor keeps a small value (its best is under the floor)
    assert 0 < cos[2].max() < FLOOR
    assert 0 < sim[2].max() < 1
    assert np.allclose(model.reference(), ref, atol=1e-6)  # float32 products
    # a row of zeros stays zero, and a matrix of any scale is divided by its row maxima
    assert np.array_equal(calibrate(np.zeros((1, 3))), np.zeros((1, 3)))
    assert np.allclose(calibrate(np.array([[4.0, 2.0]]), floor=0.0), [[1.0, 0.5]])


def test_reference_is_the_same_number_whichever_pass_finds_it():
    """Blocks against every mentor record each trainee's reference on the way; computing it on
    its own, for other groups of trainees, must give the same float (a run stays
    deterministic whichever pass sees a trainee first)."""
    from mri_match.engine import MatchSettings
    from mri_match.engine.scorer import Scorer
    from mri_match.engine.synth import make_cohort

    trainees, mentors = make_cohort(200, 60, seed=4)
    settings = MatchSettings(text_model="tfidf")  # the TF-IDF part's reference, in any install
    by_block = Scorer(trainees, mentors, settings)
    order = by_block.text_order(np.arange(200))
    for lo in range(0, 200, 37):
        by_block.block(order[lo : lo + 37])
    alone = Scorer(trainees, mentors, settings)
    assert np.array_equal(by_block.text.ref, alone.text.reference(np.arange(200)[::-1])[::-1])
    # exact pairs read the same reference: the best mentor of each trainee gets 1 (or its
    # cosine over the floor when that is lower)
    from mri_match.engine.text import FLOOR

    cos = by_block.text.cosine()
    values = by_block.text.pair_similarity(np.arange(200), cos.argmax(axis=1))
    assert np.allclose(values, np.minimum(cos.max(axis=1) / FLOOR, 1.0), atol=1e-6)
    assert (values > 1 - 1e-6).mean() > 0.5


def test_statement_sentence_says_the_value_in_words():
    from mri_match.engine.explanations import statement_sentence

    assert statement_sentence(1.0, ["sickle cell"]) == (
        "The closest statement to the trainee's among this run's mentors; "
        "words they share most: “sickle cell”"
    )
    assert statement_sentence(0.74, []) == (
        "Close to the trainee's statement (about 70% as close as the closest mentor's)"
    )
    assert statement_sentence(0.31, []).startswith("Somewhat related")
    assert statement_sentence(0.05, []) == "Little in common with the trainee's statement"
    assert statement_sentence(0.0, []) == "Nothing in common with the trainee's statement"
    weak = statement_sentence(0.8, ["cell"], weak=True)
    assert weak.startswith("Little in common: the trainee's statement shares few words")
    for v in (0.0, 0.05, 0.31, 0.74, 1.0):  # never a bare fraction
        assert "0." not in statement_sentence(v, [])


def _fit_words_only(trainees, mentors, monkeypatch):
    with monkeypatch.context() as m:
        m.setattr(text, "PREFIX_WEIGHT", 0.0)
        return TextModel.fit(trainees, mentors)


def test_cosine_is_the_weighted_mean_of_the_words_and_the_word_prefixes(monkeypatch):
    trainees = ["myelofibrotic marrow and JAK2 inhibitors", "thrombotic microangiopathies"]
    mentors = ["Myelofibrosis treated with ruxolitinib", "TTP and plasma exchange", "ITP"]
    model = TextModel.fit(trainees, mentors)
    words = _fit_words_only(trainees, mentors, monkeypatch).cosine()
    n = model.n_words
    assert 0 < text.PREFIX_WEIGHT < 1 and n is not None and 0 < n < model.terms.size
    assert "myelo" in model.terms[n:] and "myelo" not in model.terms[:n]
    prefixes = (model.trainees[:, n:] @ model.mentors[:, n:].T).toarray()
    assert prefixes[0, 0] > 0 and words[0, 0] == 0
    # each part's rows are unit vectors scaled by the square root of the part's weight
    norms = sp.linalg.norm(model.mentors[:, n:], axis=1)
    assert np.allclose(norms**2, text.PREFIX_WEIGHT, atol=1e-5)
    assert np.allclose(model.cosine(), (1 - text.PREFIX_WEIGHT) * words + prefixes, atol=1e-6)


def test_word_prefixes_meet_a_word_form_the_words_miss(monkeypatch):
    """The word "myelofibrotic" is two edits from "myelofibrosis" (no spelling correction) and no
    lexicon entry: only the prefixes tell the first mentor from the second; stop words add
    no prefix."""
    trainees = ["myelofibrotic marrow", "the and of"]
    mentors = ["Myelofibrosis and ruxolitinib", "Hemophilia and emicizumab"]
    assert (_fit_words_only(trainees, mentors, monkeypatch).cosine() == 0).all()
    sim = TextModel.fit(trainees, mentors).similarity()
    assert sim[0, 0] == pytest.approx(1.0) and sim[0, 1] == 0
    assert (sim[1] == 0).all()
