"""joblib's Dask backend: the parallel loops run on a cluster, unchanged.

Every per-series, per-fold and per-member loop goes through joblib's
``Parallel`` with the active backend, so under
``joblib.parallel_backend("dask")`` it runs on the workers of a
``dask.distributed`` cluster. Each test fits locally (sequentially) and on a
LocalCluster of two single-threaded worker processes, checks the results are
identical, and reads the scheduler's task stream to see the work ran on the
workers.
"""

import re

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal

distributed = pytest.importorskip("distributed")
joblib = pytest.importorskip("joblib")

from seqforecast import (  # noqa: E402
    ARIMAForecaster,
    ConformalForecaster,
    EnsembleForecaster,
    ETSForecaster,
    ForecastSplitter,
    NaiveForecaster,
    ThetaForecaster,
    backtest,
)

N_WORKERS = 2
STEPS = np.empty((4, 0))


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=N_WORKERS,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        # One BLAS thread per worker: two workers share two cores.
        env={"OMP_NUM_THREADS": "1"},
    )
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.fixture(scope="module")
def panel():
    """Six short quarterly series of different levels, two of them shorter."""
    rng = np.random.default_rng(11)
    t = np.arange(36)
    index = pd.date_range("2015-01-01", periods=36, freq="QS")
    data = {}
    for i in range(6):
        season = 3 * np.sin(2 * np.pi * t / 4 + i)
        values = 50 + 10 * i + 0.3 * t + season + np.cumsum(rng.normal(0, 1, 36))
        if i >= 4:
            values[:8] = np.nan  # ragged: starts two years later
        data[f"s{i}"] = values
    return pd.DataFrame(data, index=index)


def on_cluster(client, run):
    """``run()`` under the Dask backend; its result and the tasks it ran."""
    with distributed.get_task_stream(client) as stream, joblib.parallel_backend("dask"):
        result = run()
    return result, stream.data


def assert_ran_on_workers(client, tasks, name):
    """Tasks of ``name`` were recorded, all on the cluster's workers."""
    ours = [task for task in tasks if name in task["key"]]
    assert ours, f"no {name} task ran on the cluster: {[t['key'] for t in tasks]}"
    workers = set(client.scheduler_info()["workers"])
    assert {task["worker"] for task in ours} <= workers
    return ours


def n_calls(tasks):
    """Function calls in joblib's Dask tasks (keys ``batch_of_<func>_<n>_calls-...``).

    joblib's automatic batching may group several calls in one task.
    """
    return sum(int(re.search(r"_(\d+)_calls", task["key"]).group(1)) for task in tasks)


@pytest.mark.parametrize(
    "forecaster",
    [
        ARIMAForecaster(order=(1, 1, 0)),
        ETSForecaster(),
        ThetaForecaster(),
    ],
    ids=["arima", "ets", "theta"],
)
def test_per_series_fits_identical_on_the_cluster(client, panel, forecaster):
    local = forecaster.fit(None, panel).predict(STEPS)
    model, tasks = on_cluster(client, lambda: forecaster.fit(None, panel))
    assert_array_equal(model.predict(STEPS), local)
    # The series go in chunks, a few per worker, not one task each.
    chunks = assert_ran_on_workers(client, tasks, "_fit_chunk")
    assert n_calls(chunks) == min(panel.shape[1], 4 * N_WORKERS)


def test_chunks_keep_the_order_of_many_series(client):
    # More series than chunks: each chunk fits several, in order.
    rng = np.random.default_rng(3)
    y = np.cumsum(rng.normal(size=(20, 25)), axis=0)
    forecaster = ARIMAForecaster(order=(1, 1, 0))
    local = forecaster.fit(None, y)
    model, tasks = on_cluster(client, lambda: forecaster.fit(None, y))
    assert n_calls(assert_ran_on_workers(client, tasks, "_fit_chunk")) == 4 * N_WORKERS
    assert_array_equal(model.predict(STEPS), local.predict(STEPS))
    for fitted, reference in zip(model.models_, local.models_, strict=True):
        assert_array_equal(fitted.params, reference.params)


def test_backtest_identical_on_the_cluster(client, panel):
    forecaster = ThetaForecaster()
    cv = ForecastSplitter(4, n_splits=4)
    local = backtest(forecaster, None, panel, cv=cv, coverage=0.8)
    result, tasks = on_cluster(
        client, lambda: backtest(forecaster, None, panel, cv=cv, coverage=0.8)
    )
    pd.testing.assert_frame_equal(result.forecasts, local.forecasts, check_exact=True)
    pd.testing.assert_frame_equal(result.scores, local.scores, check_exact=True)
    assert_ran_on_workers(client, tasks, "_run_segments")


def test_rolling_conformal_identical_on_the_cluster(client, panel):
    forecaster = ConformalForecaster(
        ARIMAForecaster(order=(1, 1, 0)), horizon=4, n_windows=8, method="rolling"
    )
    local = forecaster.fit(None, panel)
    model, tasks = on_cluster(client, lambda: forecaster.fit(None, panel))
    assert_array_equal(model.errors_, local.errors_)
    assert_array_equal(
        model.predict_quantiles(STEPS, quantiles=[0.1, 0.5, 0.9]),
        local.predict_quantiles(STEPS, quantiles=[0.1, 0.5, 0.9]),
    )
    assert_ran_on_workers(client, tasks, "_run_segments")


def test_ensemble_identical_on_the_cluster(client, panel):
    forecaster = EnsembleForecaster(
        [
            ("snaive", NaiveForecaster(strategy="seasonal")),
            ("arima", ARIMAForecaster(order=(1, 1, 0))),
            ("theta", ThetaForecaster()),
        ],
        aggregate="weighted",
        validation_horizon=4,
    )
    local = forecaster.fit(None, panel)
    model, tasks = on_cluster(client, lambda: forecaster.fit(None, panel))
    assert_array_equal(model.weights_, local.weights_)
    assert_array_equal(model.predict(STEPS), local.predict(STEPS))
    assert_ran_on_workers(client, tasks, "_fit_member")


def test_grid_search_identical_on_the_cluster(client, panel):
    from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

    from seqforecast import mase_scorer

    y = panel["s0"]
    search = GridSearchCV(
        ThetaForecaster(),
        {"theta": [1.5, 2.0, 3.0]},
        cv=TimeSeriesSplit(n_splits=3, test_size=4),
        scoring=mase_scorer,
    )
    local = search.fit(pd.DataFrame(index=y.index), y)
    local_scores = local.cv_results_["mean_test_score"]
    fitted, tasks = on_cluster(client, lambda: search.fit(pd.DataFrame(index=y.index), y))
    assert_array_equal(fitted.cv_results_["mean_test_score"], local_scores)
    assert_ran_on_workers(client, tasks, "_fit_and_score")
