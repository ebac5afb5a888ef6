"""Tests of seqforecast.windowing against a naive loop over windows."""

import tracemalloc
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seqforecast import _panel
from seqforecast.windowing import SlidingWindow, WindowBatch


def naive_windows(y, X, lookback, horizon, stride, min_observed, min_future=None):
    """Valid windows and their contents, one window at a time."""

    def row(a, r):
        return a[r] if 0 <= r < len(a) else np.full(a.shape[1:], np.nan)

    n, m = y.shape
    min_future = np.broadcast_to(horizon if min_future is None else min_future, m)
    windows = []
    for s in range(m):
        valid = []
        for t in range(n):
            past = np.array([row(y[:, s], r) for r in range(t - lookback, t)])
            future = np.array([row(y[:, s], r) for r in range(t, t + horizon)])
            if (np.sum(~np.isnan(future)) >= min_future[s]
                    and np.sum(~np.isnan(past)) >= min_observed):
                valid.append(t)
        kept = [t for t in valid if (valid[-1] - t) % stride == 0]
        # Covariates shared by all series (n, k), or per series (n, m, k);
        # those per series read as NaN before the series' first value.
        Xs = X if X is None or X.ndim == 2 else X[:, s].copy()
        if X is not None and X.ndim == 3:
            observed = np.flatnonzero(~np.isnan(y[:, s]))
            Xs[: observed[0] if len(observed) else n] = np.nan
        for t in kept:
            past = np.array([row(y[:, s], r) for r in range(t - lookback, t)])
            past_X = None if X is None else np.array([row(Xs, r) for r in range(t - lookback, t)])
            windows.append(
                {
                    "series": s,
                    "start": t,
                    "past": past,
                    "future": np.array([row(y[:, s], r) for r in range(t, t + horizon)]),
                    "past_X": past_X,
                    "future_X": None if X is None else np.array(
                        [row(Xs, r) for r in range(t, t + horizon)]),
                    "n_observed": int(np.sum(~np.isnan(past))),
                }
            )
    return windows


@st.composite
def panels(draw, inner_nan=False, full=False, per_series_X=False):
    """A right-aligned ragged panel (leading NaN), optionally with inner NaN.

    ``full``: no NaN at all (the windows' fast path); ``per_series_X``:
    covariates of shape (n, m, k) instead of (n, k).
    """
    n = draw(st.integers(1, 25))
    m = draw(st.integers(1, 4))
    k = draw(st.integers(1 if per_series_X else 0, 2))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    y = rng.normal(size=(n, m))
    if not full:
        for s, first in enumerate(draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m))):
            y[:first, s] = np.nan
    if inner_nan:
        y[rng.random(size=y.shape) < 0.15] = np.nan
    shape = (n, m, k) if per_series_X else (n, k)
    X = None if k == 0 else rng.normal(size=shape)
    return y, X


@st.composite
def window_params(draw):
    lookback, horizon = draw(st.integers(1, 8)), draw(st.integers(1, 5))
    return {
        "lookback": lookback,
        "horizon": horizon,
        "stride": draw(st.integers(1, 4)),
        "min_observed": draw(st.integers(1, lookback)),
        # None: whole futures only; fewer: futures running past the end too;
        # a list: one per series (of as many as the panels have, cut to fit).
        "min_future": draw(st.one_of(st.none(), st.integers(1, horizon),
                                     st.lists(st.integers(1, horizon), min_size=4,
                                              max_size=4))),
    }


def as_ragged(y, X):
    """The panel (and per-series covariates) as RaggedPanels, as the forecasters hold them."""
    from seqforecast._panel import RaggedPanel

    panel = RaggedPanel.from_dense(y)
    if X is not None and X.ndim == 3:
        X = panel.with_values(
            np.concatenate([X[start:, s] for s, start in enumerate(panel.starts)])
        )
    return panel, X


def assert_matches_naive(y, X, params, ragged=False):
    if isinstance(params.get("min_future"), list):
        params = {**params, "min_future": params["min_future"][: y.shape[1]]}
    windows = SlidingWindow(**params).fit(*(as_ragged(y, X) if ragged else (y, X)))
    series, start = windows.window_indices()
    expected = naive_windows(y, X, **params)
    np.testing.assert_array_equal(series, [w["series"] for w in expected])
    np.testing.assert_array_equal(start, [w["start"] for w in expected])
    if not expected:
        return
    batch = windows.batch(series, start)
    # assert_array_equal treats NaN in the same places as equal.
    np.testing.assert_array_equal(batch.past, [w["past"] for w in expected])
    np.testing.assert_array_equal(batch.future, [w["future"] for w in expected])
    np.testing.assert_array_equal(batch.n_observed, [w["n_observed"] for w in expected])
    if X is None:
        assert batch.past_X is None and batch.future_X is None
    else:
        np.testing.assert_array_equal(batch.past_X, [w["past_X"] for w in expected])
        np.testing.assert_array_equal(batch.future_X, [w["future_X"] for w in expected])


@settings(max_examples=200, deadline=None)
@given(panels(), window_params())
def test_windows_match_naive_loop_on_ragged_panels(panel, params):
    assert_matches_naive(*panel, params)


@settings(max_examples=200, deadline=None)
@given(panels(), window_params())
def test_windows_of_a_ragged_panel_match_naive_loop(panel, params):
    """Given as a RaggedPanel (values + offsets), the same windows in the same order."""
    assert_matches_naive(*panel, params, ragged=True)


@settings(max_examples=100, deadline=None)
@given(panels(per_series_X=True), window_params())
def test_windows_of_a_ragged_panel_with_ragged_covariates_match_naive_loop(panel, params):
    assert_matches_naive(*panel, params, ragged=True)


@settings(max_examples=100, deadline=None)
@given(panels(inner_nan=True), window_params())
def test_windows_match_naive_loop_with_inner_nan(panel, params):
    assert_matches_naive(*panel, params)


@settings(max_examples=100, deadline=None)
@given(panels(full=True), window_params())
def test_windows_match_naive_loop_on_full_panels(panel, params):
    """Panels without NaN take a path without observed counts: same windows."""
    assert_matches_naive(*panel, params)


@settings(max_examples=100, deadline=None)
@given(panels(per_series_X=True), window_params())
def test_windows_match_naive_loop_with_per_series_covariates(panel, params):
    assert_matches_naive(*panel, params)


@settings(max_examples=100, deadline=None)
@given(panels(per_series_X=True), window_params(), st.integers(1, 7))
def test_buffers_filled_a_few_values_at_a_time_give_the_same_windows(panel, params, chunk):
    """Values and per-series covariates go behind their pads a chunk at a time."""
    with mock.patch.object(_panel, "_CHUNK", chunk):
        assert_matches_naive(*panel, params, ragged=True)
        assert_matches_naive(*panel, params)


@pytest.mark.parametrize("inner_nan", [False, True])
@pytest.mark.parametrize(
    "n_series, dtype", [(1, np.int8), (128, np.int8), (129, np.int16), (40_000, np.int32)]
)
def test_series_numbers_take_the_least_integer_type(n_series, dtype, inner_nan):
    """int8 up to 128 series: the numbers of the last series do not wrap around."""
    y = np.random.default_rng(0).normal(size=(7, n_series))
    if inner_nan:
        y[3, 0] = np.nan  # the path with observed counts
    windows = SlidingWindow(lookback=3, horizon=2, min_observed=1).fit(y)
    series, start = windows.window_indices()
    assert series.dtype == dtype and start.dtype == np.int32
    last = np.flatnonzero(series == n_series - 1)
    # One series with the NaN: no future may hold it (starts 2 and 3).
    expected = [1, 4, 5] if inner_nan and n_series == 1 else [1, 2, 3, 4, 5]
    np.testing.assert_array_equal(start[last], expected)
    batch = windows.batch(series[last], start[last])
    np.testing.assert_array_equal(batch.future[-1], y[5:, -1])
    np.testing.assert_array_equal(batch.past[-1], y[2:5, -1])


@settings(max_examples=100, deadline=None)
@given(panels(), st.integers(1, 8))
def test_context_is_last_lookback_steps(panel, lookback):
    y, X = panel
    n, m = y.shape
    context = SlidingWindow(lookback=lookback, horizon=1).fit(y, X).context()
    pad = max(lookback - n, 0)
    expected = np.vstack([np.full((pad, m), np.nan), y[-lookback:]]).T
    np.testing.assert_array_equal(context.past, expected)
    np.testing.assert_array_equal(context.n_observed, np.sum(~np.isnan(expected), axis=1))
    assert context.future is None and context.future_X is None
    if X is None:
        assert context.past_X is None
    else:
        expected_X = np.vstack([np.full((pad, X.shape[1]), np.nan), X[-lookback:]])
        expected_X = np.broadcast_to(expected_X, (m, *expected_X.shape))
        np.testing.assert_array_equal(context.past_X, expected_X)


def test_hand_computed_windows_of_a_short_series():
    # Series 1 starts at row 3; with min_observed=1 it also gets windows
    # whose past is partly NaN.
    y = np.array([[0.0, np.nan], [1, np.nan], [2, np.nan], [3, 30], [4, 40], [5, 50]])
    windows = SlidingWindow(lookback=3, horizon=2, min_observed=1).fit(y)
    series, start = windows.window_indices()
    np.testing.assert_array_equal(series, [0, 0, 0, 0, 1])
    np.testing.assert_array_equal(start, [1, 2, 3, 4, 4])
    np.testing.assert_array_equal(
        windows.past([0, 1], [1, 4]), [[np.nan, np.nan, 0], [np.nan, np.nan, 30]]
    )
    np.testing.assert_array_equal(windows.future([0, 1], [1, 4]), [[1, 2], [40, 50]])
    np.testing.assert_array_equal(windows.n_observed([0, 1], [1, 4]), [1, 1])
    # The default needs a fully observed past.
    series, start = SlidingWindow(lookback=3, horizon=2).fit(y).window_indices()
    np.testing.assert_array_equal(series, [0, 0])
    np.testing.assert_array_equal(start, [3, 4])


def test_hand_computed_windows_whose_future_runs_past_the_end():
    # Series 1 has 3 values: too short for lookback 3 with a whole horizon of
    # 2 even at min_observed=1 (it needs 3), but with min_future=1 its last
    # values are targets of windows whose second step lies past the end.
    y = np.array([[0.0, np.nan], [1, np.nan], [2, np.nan], [3, 30], [4, 40], [5, 50]])
    windows = SlidingWindow(lookback=3, horizon=2, min_observed=1, min_future=1).fit(y)
    series, start = windows.window_indices()
    np.testing.assert_array_equal(series, [0, 0, 0, 0, 0, 1, 1])
    np.testing.assert_array_equal(start, [1, 2, 3, 4, 5, 4, 5])
    np.testing.assert_array_equal(
        windows.future(series, start),
        [[1, 2], [2, 3], [3, 4], [4, 5], [5, np.nan], [40, 50], [50, np.nan]],
    )
    np.testing.assert_array_equal(windows.past([1], [5]), [[np.nan, 30, 40]])
    # With covariates, the steps past the end read as NaN too.
    X = np.arange(6.0)[:, None]
    batch = SlidingWindow(3, 2, min_observed=1, min_future=1).fit(y, X).batch([1], [5])
    np.testing.assert_array_equal(batch.future_X, [[[5], [np.nan]]])
    with pytest.raises(ValueError, match=r"target_start must lie in \[0, 5\] for future"):
        windows.future([0], [6])


def test_stride_is_anchored_on_the_last_window():
    y = np.arange(10.0)
    series, start = SlidingWindow(lookback=2, horizon=1, stride=3).fit(y).window_indices()
    # Valid starts are 2..9; stride 3 counted back from 9.
    np.testing.assert_array_equal(start, [3, 6, 9])
    np.testing.assert_array_equal(series, [0, 0, 0])


def test_views_are_views_of_the_padded_buffer():
    rng = np.random.default_rng(0)
    y, X = rng.normal(size=(50, 3)), rng.normal(size=(50, 2))
    y[:20, 1] = np.nan  # a ragged panel: series 1 starts at row 20
    windows = SlidingWindow(lookback=7, horizon=4).fit(y, X)
    # One flat buffer: the 130 values, each series behind max(7, 4) NaN,
    # and a horizon of NaN behind the last.
    assert windows.y_.shape == (130 + 3 * 7 + 4,)
    views = {
        "past_view": (windows.past_view, windows.y_, (155 - 7 + 1, 7)),
        "future_view": (windows.future_view, windows.y_, (155 - 4 + 1, 4)),
        "past_X_view": (windows.past_X_view, windows.X_, (61 - 7 + 1, 7, 2)),
        "future_X_view": (windows.future_X_view, windows.X_, (61 - 4 + 1, 4, 2)),
    }
    for name, (view, buffer, shape) in views.items():
        assert view.shape == shape, name
        assert view.base is not None and not view.flags.owndata, name
        assert np.shares_memory(view, buffer), name
    past_view, future_view = windows.past_view, windows.future_view
    np.testing.assert_array_equal(past_view[windows.past_position(2, 10)], y[3:10, 2])
    np.testing.assert_array_equal(past_view[windows.past_position(1, 24)], y[17:24, 1])
    np.testing.assert_array_equal(future_view[windows.future_position(2, 10)], y[10:14, 2])
    np.testing.assert_array_equal(future_view[windows.future_position(1, 18)], y[18:22, 1])
    # A past wholly before the series' start is its NaN pads.
    assert np.isnan(past_view[windows.past_position(1, 5)]).all()
    np.testing.assert_array_equal(windows.past_X_view[10 + 7 - 7], X[3:10])
    np.testing.assert_array_equal(windows.future_X_view[10 + 7], X[10:14])
    # A gathered batch is a copy, owned by itself.
    batch = windows.past([0, 1], [10, 20])
    assert batch.flags.owndata and not np.shares_memory(batch, windows.y_)


def test_ragged_panel_input_equals_its_dense_rectangle():
    from seqforecast._panel import RaggedPanel

    rng = np.random.default_rng(3)
    y = rng.normal(size=(40, 4))
    for s, first in enumerate([0, 33, 12, 39]):
        y[:first, s] = np.nan
    X = rng.normal(size=(40, 4, 2))
    panel = RaggedPanel.from_dense(y)
    X_panel = panel.with_values(
        np.concatenate([X[panel.starts[s]:, s] for s in range(4)])
    )
    params = {"lookback": 6, "horizon": 3, "stride": 2, "min_observed": 2}
    dense = SlidingWindow(**params).fit(y, X)
    ragged = SlidingWindow(**params).fit(panel, X_panel)
    np.testing.assert_array_equal(ragged.y_, dense.y_)
    for a, b in zip(ragged.window_indices(), dense.window_indices(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert_matches_naive(y, X, params)  # and the windows are the naive loop's
    series, start = dense.window_indices()
    for a, b in zip(ragged.batch(series, start), dense.batch(series, start), strict=True):
        np.testing.assert_array_equal(a, b)


def test_extreme_ragged_panel_costs_its_values_not_the_rectangle():
    """2,000 series of 20 steps and one of 20,000: the rectangle is 320 MB."""
    from seqforecast._panel import RaggedPanel

    rng = np.random.default_rng(0)
    series = [rng.normal(size=20) for _ in range(2000)] + [rng.normal(size=20_000)]
    panel = RaggedPanel.from_series(series)
    rectangle = panel.n_rows * panel.n_series * 8
    tracemalloc.start()
    try:
        windows = SlidingWindow(lookback=8, horizon=4, min_observed=4).fit(panel)
        s, t = windows.window_indices()
        batch = windows.batch(s[:256], t[:256])
        context = windows.context()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(s) == 2000 * (20 - 4 - 4 + 1) + (20_000 - 4 - 4 + 1)
    np.testing.assert_array_equal(batch.future[0], series[0][4:8])
    np.testing.assert_array_equal(context.past[-1], series[-1][-8:])
    assert peak < 10 * panel.nbytes < rectangle / 50, f"peak {peak / 1e6:.1f} MB"


def test_memory_stays_linear_in_series_length():
    n, lookback, horizon = 1_000_000, 100, 10
    y = np.random.default_rng(0).normal(size=n)
    y[:1000] = np.nan
    tracemalloc.start()
    try:
        windows = SlidingWindow(lookback=lookback, horizon=horizon, stride=2).fit(y)
        view = windows.past_view
        series, start = windows.window_indices()
        batch = windows.batch(series[:256], start[:256])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert view.shape == (n - 1000 + lookback + horizon - lookback + 1, lookback)
    assert np.shares_memory(view, windows.y_)
    assert len(start) == (n - 1000 - lookback - horizon + 1) // 2 + 1
    assert batch.past.shape == (256, lookback)
    # Linear in the series length: a few copies of the 8 MB series, while
    # all windows materialised would take n * lookback * 8 bytes (800 MB).
    assert peak < 6 * y.nbytes, f"peak {peak / 1e6:.0f} MB"
    assert peak < n * lookback * 8 / 15


def test_panel_shorter_than_horizon_has_no_training_windows():
    windows = SlidingWindow(lookback=4, horizon=5).fit(np.ones((3, 2)), np.ones((3, 1)))
    series, start = windows.window_indices()
    assert series.size == 0 and start.size == 0
    assert windows.future_view.shape == (2 * (3 + 5) + 5 - 5 + 1, 5)  # the buffer's windows
    assert windows.future_X_view.shape == (5 + 3 + 5 - 5 + 1, 5, 1)
    context = windows.context()
    np.testing.assert_array_equal(context.past, [[np.nan, 1, 1, 1]] * 2)
    np.testing.assert_array_equal(context.n_observed, [3, 3])


def test_batch_is_a_named_tuple():
    windows = SlidingWindow(lookback=2, horizon=1).fit(np.arange(6.0))
    batch = windows.batch(*windows.window_indices())
    assert isinstance(batch, WindowBatch)
    assert batch.past_X is None and batch.future_X is None


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"lookback": 0, "horizon": 1}, r"'lookback' parameter of SlidingWindow must be an int "
         r"in the range \[1, inf\)\. Got 0 instead"),
        ({"lookback": 2.5, "horizon": 1}, r"'lookback' .* Got 2\.5 instead"),
        ({"lookback": True, "horizon": 1}, r"'lookback' .* Got True instead"),
        ({"lookback": 3, "horizon": -1}, r"'horizon' .* Got -1 instead"),
        ({"lookback": 3, "horizon": 1, "stride": 0}, r"'stride' .* Got 0 instead"),
        ({"lookback": 3, "horizon": 1, "min_observed": 4},
         r"min_observed=4 is larger than lookback=3"),
        ({"lookback": 3, "horizon": 1, "min_observed": 0}, r"'min_observed' .* Got 0 instead"),
        ({"lookback": 3, "horizon": 2, "min_future": 3},
         r"min_future must lie in \[1, horizon=2\] .*; got 3"),
        ({"lookback": 3, "horizon": 2, "min_future": [1, 0]},
         r"min_future must lie in \[1, horizon=2\] .*; got \[1, 0\]"),
        ({"lookback": 3, "horizon": 2, "min_future": [1.5, 2]},
         r"min_future must be an int or a 1-D array-like of ints"),
        ({"lookback": 3, "horizon": 2, "min_future": [[1, 2]]},
         r"min_future must be an int or a 1-D array-like of ints"),
        ({"lookback": 3, "horizon": 2, "min_future": np.array(1.5)},
         r"min_future must be an int or a 1-D array-like of ints"),
        ({"lookback": 3, "horizon": 2, "min_future": 0}, r"'min_future' .* Got 0 instead"),
    ],
)
def test_invalid_parameters(params, match):
    with pytest.raises(ValueError, match=match):
        SlidingWindow(**params)


def test_invalid_data():
    windows = SlidingWindow(lookback=2, horizon=1)
    with pytest.raises(ValueError, match="no data yet; call fit"):
        windows.window_indices()
    with pytest.raises(ValueError, match=r"y must be 1-D .* got an array with 3 dimensions"):
        windows.fit(np.ones((4, 2, 2)))
    with pytest.raises(ValueError, match="X has 3 rows but y has 4"):
        windows.fit(np.ones((4, 2)), np.ones((3, 1)))
    with pytest.raises(ValueError, match="X must be 2-D"):
        windows.fit(np.ones((4, 2)), np.ones(4))
    with pytest.raises(ValueError, match="min_future has 3 values but y has 2 series"):
        SlidingWindow(lookback=2, horizon=2, min_future=[1, 2, 2]).fit(np.ones((4, 2)))
    windows.fit(np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"target_start must lie in \[0, 3\] for future"):
        windows.future([0], [4])
    with pytest.raises(ValueError, match=r"series_idx must lie in \[0, 1\]"):
        windows.past([2], [4])


def test_repr_shows_resolved_parameters():
    assert repr(SlidingWindow(4, 2)) == (
        "SlidingWindow(lookback=4, horizon=2, stride=1, min_observed=4, min_future=2)"
    )
