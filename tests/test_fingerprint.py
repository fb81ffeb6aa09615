"""Near-duplicate fingerprints: SimHash distances, and clusters of reposts."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from pipeline.index.fingerprint import (
    MAX_DISTANCE,
    MIN_TERMS,
    Match,
    assign_clusters,
    distance,
    simhashes,
)

WORDS = [f"词{i}" for i in range(5000)]


def body(seed: int, size: int = 300) -> list[str]:
    return random.Random(seed).sample(WORDS, size)


@pytest.mark.parametrize("added", [1, 3, 6])
def test_a_repost_with_a_few_words_added_stays_within_the_distance(added):
    original = body(1)
    repost = [f"转载{i}" for i in range(added)] + original
    a, b = simhashes([original, repost])
    assert distance(a, b) <= MAX_DISTANCE


@pytest.mark.parametrize("seed", range(5))
def test_different_bodies_are_far_apart(seed):
    a, b = simhashes([body(seed), body(seed + 100)])
    assert distance(a, b) > 2 * MAX_DISTANCE


def test_a_short_body_has_no_fingerprint():
    assert simhashes([body(1, MIN_TERMS - 1), body(1, MIN_TERMS)])[0] is None
    assert simhashes([body(1, MIN_TERMS)])[0] is not None


def test_the_fingerprint_ignores_order_and_is_stable():
    words = body(3)
    assert simhashes([words]) == simhashes([list(reversed(words))])
    assert simhashes([words])[0] == simhashes([list(words)])[0]


DAY = dt.date(2026, 11, 20)


def test_a_new_doc_joins_the_cluster_of_its_earliest_match():
    matches = [Match(10, 3, DAY - dt.timedelta(days=1), 1), Match(10, 5, DAY, 5)]
    assert assign_clusters([(10, DAY)], matches) == {10: 1}


def test_new_docs_of_one_batch_cluster_together_in_day_order():
    later, earlier = (7, DAY + dt.timedelta(days=1)), (9, DAY)
    matches = [Match(7, 9, DAY, None), Match(9, 7, later[1], None)]
    assert assign_clusters([later, earlier], matches) == {9: 9, 7: 9}


def test_a_doc_without_matches_founds_its_own_cluster():
    assert assign_clusters([(4, DAY), (5, None)], []) == {4: 4, 5: 5}
