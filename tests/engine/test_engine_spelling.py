"""Spelling correction of statements against the run's mentor texts."""

from mri_match.engine.spelling import correct_spelling
from mri_match.engine.text import TextModel, expand

MENTORS = [
    "acute myeloid leukemia genomics and venous thrombosis",
    "hemophilia gene therapy and the karyotype of leukemia",
]


def test_each_kind_of_single_edit_is_corrected():
    out = correct_spelling(
        [
            "leukimia (changed), thrombosys, hemophila (missing), karyyotype (added), "
            "genmoics (swapped)"
        ],
        MENTORS,
    )
    assert out == [
        "leukemia (changed), thrombosis, hemophilia (missing), karyotype (added), "
        "genomics (swapped)"
    ]


def test_known_short_and_far_words_are_left_alone():
    queries = ["leukemia gene kids", "hemophilia and lymphoma", "thrmbsis"]
    # "gene" and "kids" are short; "lymphoma" is no mentor's word but two edits from any
    assert correct_spelling(queries, MENTORS) == queries


def test_of_several_candidates_the_one_used_most_wins():
    assert correct_spelling(["anemix"], ["anemia", "anemia care", "anemic"]) == ["anemia"]
    assert correct_spelling(["anemix"], ["anemic", "anemia"]) == ["anemia"]  # then alphabetical


def test_a_misspelt_statement_meets_its_mentor_and_shares_the_mentors_word():
    statements = ["my focus is hemophila"]
    model = TextModel.fit(statements, ["hemophilia gene therapy", "sickle cell disease"])
    assert model.similarity()[0].tolist() == [1.0, 0.0]
    assert [t for t, _ in model.shared_terms(0, 0)] == ["hemophilia"]
    # the mentors' texts are read as written
    assert expand("hemophila") == "hemophila"
