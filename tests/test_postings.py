"""The compiled posting-list sums (knowledge/search/_postings.c): built where the tests run, numpy's floats on
any input, and a clear Python exception (never a crash, never scratch left dirty) on a wrong one. The search
through them is compared with the loops it replaced in tests/test_search_exact.py."""

from __future__ import annotations

import os

import numpy as np
import pytest

from knowledge.search import postings

native = postings.native


def test_the_compiled_sums_are_built() -> None:
    """pip install -e . compiles them (an optional extension: a machine without a compiler falls back to numpy,
    and this test says so)."""
    if os.environ.get("YUNLING_SEARCH_NUMPY", "").strip() not in ("", "0"):
        pytest.skip("YUNLING_SEARCH_NUMPY is set")
    assert native is not None, "knowledge.search._postings was not built: is a C compiler installed?"


needs_native = pytest.mark.skipif(native is None, reason="knowledge.search._postings is not built")


def _terms(rng: np.random.Generator, size: int) -> tuple[list[int], list[int], list[float]]:
    """Random slices of a posting array of ``size`` (some empty, some overlapping) and their scales."""
    starts, ends, scales = [], [], []
    for _ in range(int(rng.integers(0, 12))):
        a = int(rng.integers(0, size + 1))
        b = int(rng.integers(a, size + 1))
        starts.append(a)
        ends.append(b)
        scales.append(float(rng.standard_normal() * 10.0 ** rng.integers(-3, 4)))
    return starts, ends, scales


@needs_native
@pytest.mark.parametrize("seed", range(40))
def test_accumulate_adds_what_bincount_adds(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, size = int(rng.integers(1, 300)), int(rng.integers(0, 2000))
    ids = rng.integers(0, n, size).astype(np.intp)
    values = rng.standard_normal(size) * 10.0 ** rng.integers(-5, 5, size)
    starts, ends, scales = _terms(rng, size)
    base = rng.standard_normal(n)
    got = base.copy()
    native.accumulate(got, ids, values, starts, ends, scales)
    parts = [(ids[a:b], values[a:b] * s) for a, b, s in zip(starts, ends, scales, strict=True)]
    want = np.bincount(np.concatenate([np.arange(n), *(p[0] for p in parts)]),
                       weights=np.concatenate([base, *(p[1] for p in parts)]), minlength=n)
    assert got.tobytes() == want.tobytes()  # bit for bit, -0.0 and all


@needs_native
@pytest.mark.parametrize("seed", range(20))
def test_bm25_adds_the_okapi_terms_left_to_right(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, size = int(rng.integers(1, 200)), int(rng.integers(0, 1500))
    docs = rng.integers(0, n, size).astype(np.intp)
    tfs = rng.integers(1, 6, size).astype(float)
    norms = rng.uniform(0.3, 3.0, size)
    starts, ends, idfs = _terms(rng, size)
    got = np.zeros(n)
    native.bm25(got, docs, tfs, norms, starts, ends, idfs, 1.2 + 1)
    want = np.zeros(n)
    for a, b, idf in zip(starts, ends, idfs, strict=True):
        for j in range(a, b):
            want[docs[j]] += idf * tfs[j] * (1.2 + 1) / (tfs[j] + norms[j])
    assert got.tobytes() == want.tobytes()


def _scratch(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return np.zeros(n), np.zeros(n, dtype=np.uint8), np.zeros(n, dtype=np.intp)


@needs_native
@pytest.mark.parametrize("seed", range(40))
def test_nearest_is_each_groups_best_second_and_first_reached(seed: int) -> None:
    """Against a plain loop: the dot products in order, each group's best quotient above 0.0, its second (the
    best when two examples tie at it) and of the tied the example reached first. Few distinct weights, so
    that ties are common."""
    rng = np.random.default_rng(seed)
    n, groups, size = int(rng.integers(1, 60)), int(rng.integers(1, 8)), int(rng.integers(0, 400))
    group = np.sort(rng.integers(0, groups, n)).astype(np.intp)
    ids = rng.integers(0, n, size).astype(np.intp)
    weights = rng.choice([0.5, 1.0, 2.0, 0.3], size)
    starts, ends, _ = _terms(rng, size)
    scales = [float(rng.choice([1.0, 0.7, 2.5])) for _ in starts]
    norm = float(rng.uniform(0.5, 4.0))
    dots, reached, order = _scratch(n)
    best, second, top = np.empty(groups), np.empty(groups), np.empty(groups, dtype=np.intp)
    count = native.nearest(ids, weights, starts, ends, scales, norm, group, dots, reached, order, best, second, top)

    acc, first = np.zeros(n), []
    for a, b, s in zip(starts, ends, scales, strict=True):
        for j in range(a, b):
            if ids[j] not in first:
                first.append(int(ids[j]))
            acc[ids[j]] += weights[j] * s
    assert count == len(first)
    for g in range(groups):
        quotients = {e: acc[e] / norm for e in first if group[e] == g and acc[e] / norm > 0.0}
        if not quotients:
            assert (best[g], second[g], top[g]) == (0.0, 0.0, -1)
            continue
        high = max(quotients.values())
        at_high = [e for e in first if quotients.get(e) == high]  # in the order first reached
        below = [q for q in quotients.values() if q < high]
        assert best[g] == high
        assert second[g] == (high if len(at_high) > 1 else max(below, default=0.0))
        assert top[g] == at_high[0]
    assert not dots.any() and not reached.any() and not order.any()  # scratch zero again


@needs_native
def test_wrong_arguments_raise_and_leave_the_scratch_zero() -> None:
    ids, weights, group = np.array([0, 1, 2], dtype=np.intp), np.ones(3), np.zeros(3, dtype=np.intp)
    dots, reached, order = _scratch(3)
    outs = (np.empty(1), np.empty(1), np.empty(1, dtype=np.intp))

    def call(**changes: object) -> object:
        args = dict(ids=ids, weights=weights, starts=[0], ends=[3], scales=[1.0], norm=1.0, group=group, dots=dots,
                    reached=reached, order=order, best=outs[0], second=outs[1], top=outs[2]) | changes
        return native.nearest(*args.values())

    assert call() == 3
    with pytest.raises(IndexError):  # an id beyond the examples
        call(ids=np.array([0, 1, 7], dtype=np.intp))
    with pytest.raises(IndexError):  # a slice beyond the postings, after a first term was added
        call(starts=[0, 2], ends=[3, 9], scales=[1.0, 1.0])
    with pytest.raises(IndexError):  # a group beyond the outputs
        call(group=np.array([0, 0, 4], dtype=np.intp))
    with pytest.raises(TypeError):  # float32 weights
        call(weights=np.ones(3, dtype=np.float32))
    with pytest.raises(TypeError):  # int32 ids
        call(ids=np.array([0, 1, 2], dtype=np.int32))
    with pytest.raises(ValueError):
        call(scales=[1.0, 2.0])
    with pytest.raises(TypeError):
        call(starts=None)
    read_only = np.zeros(1)
    read_only.setflags(write=False)
    with pytest.raises(ValueError):
        call(best=read_only)
    assert not dots.any() and not reached.any() and not order.any()
    out = np.zeros(2)
    with pytest.raises(IndexError):
        native.accumulate(out, np.array([0, 5], dtype=np.intp), np.ones(2), [0], [2], [1.0])
    with pytest.raises(ValueError):
        native.accumulate(out, np.array([0, 1], dtype=np.intp), np.ones(3), [0], [2], [1.0])
    with pytest.raises(IndexError):
        native.bm25(out, np.array([0, 1], dtype=np.intp), np.ones(2), np.ones(2), [-1], [2], [1.0], 2.2)
