"""Save/load of neural forecasters under stress (issue #15, items 5, 8, 9).

Time zones survive a round trip by name (daylight saving included), and a
damaged model directory is always one ``ValueError`` that names the file.
"""

import datetime
import json
import pickle
import shutil

import numpy as np
import pandas as pd
import pytest
import torch
from numpy.testing import assert_allclose
from pandas.testing import assert_index_equal

import seqforecast
from seqforecast import LSTMForecaster
from seqforecast.neural._persistence import FORMAT_VERSION

SMALL = dict(hidden_size=4, horizon=3, lookback=6, max_epochs=1, windows_per_epoch=32,
             random_state=0)


def _daily(start, n=40, tz="America/New_York"):
    t = np.arange(n)
    values = 10 + 0.1 * t + np.sin(2 * np.pi * t / 7)
    return pd.Series(values, index=pd.date_range(start, periods=n, freq="D", tz=tz))


# --------------------------------------------------- 5, 8. time zones by name
@pytest.mark.parametrize(
    "start",
    [
        "2021-01-01",  # all in winter time (UTC-05:00), forecast into summer time
        "2021-02-20",  # the history crosses the March daylight-saving change
        "2021-10-10",  # ... and the November one
    ],
)
def test_a_time_zone_survives_save_and_load_across_daylight_saving(start, tmp_path):
    y = _daily(start)
    fitted = LSTMForecaster(**SMALL).fit(None, y)
    fitted.save(tmp_path / "model")
    loaded = LSTMForecaster.load(tmp_path / "model")
    assert str(loaded.index_.tz) == "America/New_York"
    assert loaded.index_.equals(fitted.index_)
    # 60 days ahead: the future steps cross a daylight-saving change, and stay
    # at local midnight as in the original model.
    expected, got = fitted.forecast(60), loaded.forecast(60)
    assert_index_equal(got.index, expected.index, exact=False)
    assert (got.index.hour == 0).all()
    assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=1e-6)
    # The file holds the zone's name and UTC instants, not fixed offsets.
    spec = json.loads((tmp_path / "model" / "forecaster.json").read_text())["index"]
    assert spec["tz"] == "America/New_York"
    assert all(v.endswith("+00:00") for v in spec["values"])


def test_a_fixed_offset_and_a_utc_index_survive_save_and_load(tmp_path):
    for i, tz in enumerate(["UTC", "Etc/GMT-3", datetime.timezone(datetime.timedelta(hours=2))]):
        fitted = LSTMForecaster(**SMALL).fit(None, _daily("2021-03-01", tz=tz))
        fitted.save(tmp_path / str(i))
        loaded = LSTMForecaster.load(tmp_path / str(i))
        assert_index_equal(loaded.forecast(5).index, fitted.forecast(5).index, exact=False)


# ------------------------------------------------ 9. damaged model directories
@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A small fitted LSTM saved once; each test corrupts its own copy."""
    path = tmp_path_factory.mktemp("saved") / "model"
    y = _daily("2021-01-01", tz=None)
    LSTMForecaster(**SMALL).fit(None, y).save(path)
    return path


def _truncate(path):
    data = (path / "arrays.pt").read_bytes()
    (path / "arrays.pt").write_bytes(data[: len(data) // 2])


def _empty_arrays(path):
    (path / "arrays.pt").write_bytes(b"")


def _random_arrays(path):
    (path / "arrays.pt").write_bytes(np.random.default_rng(0).bytes(4096))


def _arrays_not_a_dict(path):
    torch.save(torch.zeros(3), path / "arrays.pt")


def _wrong_weight_shape(path):
    arrays = torch.load(path / "arrays.pt", weights_only=True)
    key = next(k for k in arrays if k.startswith("module."))
    arrays[key] = torch.zeros(*(s + 1 for s in arrays[key].shape))
    torch.save(arrays, path / "arrays.pt")


def _missing_weight(path):
    arrays = torch.load(path / "arrays.pt", weights_only=True)
    del arrays[next(k for k in arrays if k.startswith("module."))]
    torch.save(arrays, path / "arrays.pt")


def _history_of_wrong_shape(path):
    arrays = torch.load(path / "arrays.pt", weights_only=True)
    arrays["y_history"] = torch.zeros(5, 3, dtype=torch.float64)
    torch.save(arrays, path / "arrays.pt")


def _edit_meta(change):
    def corrupt(path):
        meta = json.loads((path / "forecaster.json").read_text())
        (path / "forecaster.json").write_text(json.dumps(change(meta)))

    return corrupt


def _without(key):
    def change(meta):
        del meta[key]
        return meta

    return change


def _bad_params(meta):
    meta["params"]["from_the_future"] = 1
    return meta


def _bad_fitted(meta):
    meta["fitted"]["n_features_in_"] = "three"
    return meta


def _bad_index(meta):
    meta["index"]["values"] = ["not a date"] * len(meta["index"]["values"])
    return meta


def _delete(name):
    def corrupt(path):
        (path / name).unlink()

    return corrupt


_CORRUPTIONS = {
    # name: (corrupt(path), file named in the message, words in the message)
    "truncated tensors": (_truncate, "arrays.pt", "corrupt"),
    "empty tensor file": (_empty_arrays, "arrays.pt", "corrupt"),
    "random bytes": (_random_arrays, "arrays.pt", "corrupt"),
    "tensor file not a dict": (_arrays_not_a_dict, "arrays.pt", "corrupt"),
    "weights of the wrong shape": (_wrong_weight_shape, "arrays.pt", "corrupt"),
    "a missing weight": (_missing_weight, "arrays.pt", "corrupt"),
    "history of the wrong shape": (_history_of_wrong_shape, "arrays.pt", "corrupt"),
    "empty JSON": (lambda p: (p / "forecaster.json").write_text(""), "forecaster.json",
                   "corrupt"),
    "JSON not UTF-8": (lambda p: (p / "forecaster.json").write_bytes(b"\xff\xfe{]"),
                       "forecaster.json", "corrupt"),
    "JSON list": (lambda p: (p / "forecaster.json").write_text("[1, 2]"), "forecaster.json",
                  "corrupt"),
    "JSON without class": (_edit_meta(_without("class")), "forecaster.json", "corrupt"),
    "JSON without params": (_edit_meta(_without("params")), "forecaster.json", "corrupt"),
    "unknown parameter": (_edit_meta(_bad_params), "forecaster.json", "incompatible version"),
    "bad fitted value": (_edit_meta(_bad_fitted), "forecaster.json", "corrupt"),
    "bad index": (_edit_meta(_bad_index), "forecaster.json", "corrupt"),
    "no format version": (_edit_meta(_without("format_version")), "forecaster.json",
                          "no format_version"),
    "newer format version": (
        _edit_meta(lambda m: {**m, "format_version": FORMAT_VERSION + 1,
                              "seqforecast_version": "99.0"}),
        "forecaster.json", "upgrade seqforecast",
    ),
    "missing tensor file": (_delete("arrays.pt"), "arrays.pt", "incomplete or corrupt"),
    "missing JSON": (_delete("forecaster.json"), "forecaster.json", "incomplete or corrupt"),
}


@pytest.mark.parametrize("corruption", list(_CORRUPTIONS))
def test_a_damaged_model_directory_is_one_clear_value_error(corruption, saved, tmp_path):
    corrupt, file, words = _CORRUPTIONS[corruption]
    path = tmp_path / "model"
    shutil.copytree(saved, path)
    corrupt(path)
    with pytest.raises(ValueError) as info:
        LSTMForecaster.load(path)
    assert type(info.value).__name__ in ("ValueError", "_CorruptModel")
    message = str(info.value)
    assert file in message
    assert words in message


def test_the_package_version_is_recorded_and_an_intact_copy_loads(saved, tmp_path):
    meta = json.loads((saved / "forecaster.json").read_text())
    assert meta["seqforecast_version"] == seqforecast.__version__
    assert meta["format_version"] == FORMAT_VERSION
    shutil.copytree(saved, tmp_path / "model")
    loaded = LSTMForecaster.load(tmp_path / "model")
    assert np.isfinite(loaded.forecast(3).to_numpy()).all()


def test_a_file_from_before_min_future_loads_with_whole_futures(saved, tmp_path):
    path = tmp_path / "model"
    shutil.copytree(saved, path)
    meta = json.loads((path / "forecaster.json").read_text())
    assert meta["fitted"].pop("min_future_") == meta["fitted"]["horizon_"]
    (path / "forecaster.json").write_text(json.dumps(meta))
    loaded = LSTMForecaster.load(path)
    assert loaded.min_future_ == loaded.horizon_
    np.testing.assert_array_equal(loaded.forecast(3).to_numpy(),
                                  LSTMForecaster.load(saved).forecast(3).to_numpy())


# ------------------------------------------------------------ 11. skops.io
def _skops_cases():
    from seqforecast import (
        ARIMAForecaster,
        ConformalForecaster,
        EnsembleForecaster,
        ETSForecaster,
        NaiveForecaster,
        ThetaForecaster,
    )

    monthly = _daily("2021-01-01", n=48, tz=None)
    monthly.index = pd.date_range("2020-01", periods=48, freq="MS")
    panel = pd.DataFrame({"a": monthly, "b": 2 * monthly})
    quarterly = pd.Series(monthly.to_numpy(), index=pd.period_range("2010Q1", periods=48,
                                                                    freq="Q"))
    return {
        "naive-monthly": (NaiveForecaster(strategy="drift"), monthly),
        "naive-panel": (NaiveForecaster(), panel),
        "naive-period": (NaiveForecaster(), quarterly),
        "naive-new-york": (NaiveForecaster(), _daily("2021-02-20")),
        "naive-range": (NaiveForecaster(), pd.Series(monthly.to_numpy())),
        "theta": (ThetaForecaster(), monthly),
        "arima": (ARIMAForecaster(order=(1, 1, 0)), monthly),
        "ets-auto": (ETSForecaster(), monthly),
        "ets-fixed": (
            ETSForecaster(auto=False, trend="add", deseasonalize=True, fallback=True), panel
        ),
        "conformal": (ConformalForecaster(NaiveForecaster(), horizon=3, n_windows=4), monthly),
        "lstm": (LSTMForecaster(**SMALL), monthly),
        "ensemble": (
            EnsembleForecaster([("naive", NaiveForecaster()), ("theta", ThetaForecaster())],
                               aggregate="weighted", validation_horizon=6),
            monthly,
        ),
    }


# What a user must trust to load each forecaster: our classes and the
# libraries' model classes, never a pandas object.
_TRUSTED_LIBRARIES = ("seqforecast.", "statsmodels.tsa.forecasting.theta.", "skorch.", "torch.")
_TRUSTED_BUILTINS = {"builtins.print", "functools.partial"}  # skorch's default log sink


@pytest.mark.parametrize("case", list(_skops_cases()))
def test_fitted_forecasters_round_trip_through_skops(case):
    sio = pytest.importorskip("skops.io")
    forecaster, y = _skops_cases()[case]
    forecaster.fit(None, y)
    data = sio.dumps(forecaster)
    untrusted = sio.get_untrusted_types(data=data)
    assert not [t for t in untrusted if "pandas" in t], untrusted
    assert all(t.startswith(_TRUSTED_LIBRARIES) or t in _TRUSTED_BUILTINS for t in untrusted)
    assert len(untrusted) <= 20
    if case.startswith("naive"):
        assert untrusted == ["seqforecast.baselines.NaiveForecaster"]
    loaded = sio.loads(data, trusted=untrusted)
    assert loaded.index_.equals(forecaster.index_)
    assert type(loaded.index_) is type(forecaster.index_)
    assert loaded.freq_ == forecaster.freq_
    expected, got = forecaster.forecast(5), loaded.forecast(5)
    assert got.index.equals(expected.index)
    assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=1e-12)
    if case.startswith("ets"):
        # The statsmodels results are saved as parameters and rebuilt on loading.
        assert_allclose(loaded.predict_interval(np.empty((5, 0))).to_numpy(),
                        forecaster.predict_interval(np.empty((5, 0))).to_numpy(), rtol=1e-12)


@pytest.mark.parametrize("case", ["ets-auto", "ets-fixed"])
def test_fitted_ets_round_trips_through_pickle(case):
    forecaster, y = _skops_cases()[case]
    forecaster.fit(None, y)
    loaded = pickle.loads(pickle.dumps(forecaster))
    assert loaded.specs_ == forecaster.specs_
    assert_allclose(loaded.forecast(5).to_numpy(), forecaster.forecast(5).to_numpy(),
                    rtol=1e-12)
    assert_allclose(loaded.predict_interval(np.empty((5, 0))).to_numpy(),
                    forecaster.predict_interval(np.empty((5, 0))).to_numpy(), rtol=1e-12)


def test_ets_pickled_before_deseasonalize_existed_still_loads():
    from seqforecast import ETSForecaster

    y = pd.Series(np.sin(np.arange(48) / 2) + 10,
                  index=pd.date_range("2020-01", periods=48, freq="MS"))
    model = ETSForecaster().fit(None, y)
    state = model.__getstate__()
    del state["profile_"]  # the state of a model saved by an older version
    old = ETSForecaster.__new__(ETSForecaster)
    old.__setstate__(state)
    assert_allclose(old.forecast(4).to_numpy(), model.forecast(4).to_numpy(), rtol=1e-12)


# ------------------------------------------ names, offsets and devices in JSON
def _monthly(n=40):
    return pd.Series(10 + np.sin(np.arange(n) / 2), name="v",
                     index=pd.date_range("2000-01", periods=n, freq="MS"))


@pytest.mark.parametrize("name", [("sales", "s0"), np.int64(3), 2.5])
def test_series_and_index_names_keep_their_type_through_save_and_load(name, tmp_path):
    # A tuple (a column of a MultiIndex frame) came back a list, and the
    # loaded model could not predict; numpy ints could not be saved.
    y = _monthly().rename(name)
    y.index.name = name
    fitted = LSTMForecaster(**SMALL).fit(None, y)
    fitted.save(tmp_path / "m")
    loaded = LSTMForecaster.load(tmp_path / "m")
    expected = name.item() if isinstance(name, np.generic) else name
    assert loaded.series_name_ == expected and type(loaded.series_name_) is type(expected)
    assert loaded.index_.name == name
    pd.testing.assert_series_equal(loaded.forecast(3), fitted.forecast(3))


def test_multiindex_panel_columns_come_back_as_tuples(tmp_path):
    y = _monthly()
    panel = pd.concat({"sales": pd.DataFrame({"a": y, "b": 2 * y})}, axis=1)
    fitted = LSTMForecaster(**SMALL).fit(None, panel)
    fitted.save(tmp_path / "m")
    loaded = LSTMForecaster.load(tmp_path / "m")
    assert list(loaded.forecast(2).columns) == [("sales", "a"), ("sales", "b")]
    pd.testing.assert_frame_equal(loaded.forecast(2), fitted.forecast(2))
    assert loaded.seasonal_period_source_ == fitted.seasonal_period_source_ == "index"


def test_custom_business_day_holidays_survive_save_and_load(tmp_path):
    from pandas.tseries.offsets import CustomBusinessDay

    days = CustomBusinessDay(holidays=["2021-01-18", "2021-02-15", "2021-05-31"])
    y = pd.Series(np.sin(np.arange(100.0)) + 10,
                  index=pd.date_range("2021-01-01", periods=100, freq=days))
    fitted = LSTMForecaster(**SMALL).fit(None, y)
    fitted.save(tmp_path / "m")
    loaded = LSTMForecaster.load(tmp_path / "m")
    # The text "C" alone forecast the 31 May holiday as a business day.
    assert pd.Timestamp("2021-05-31") not in loaded.forecast(3).index
    assert_index_equal(loaded.forecast(3).index, fitted.forecast(3).index)


def test_a_model_saved_on_cuda_loads_on_the_cpu_with_a_warning(tmp_path):
    fitted = LSTMForecaster(**SMALL).fit(None, _monthly())
    fitted.save(tmp_path / "m")
    meta_file = tmp_path / "m" / "forecaster.json"
    meta = json.loads(meta_file.read_text())
    meta["params"]["device"] = "cuda"  # what a GPU fit writes; weights are on the CPU
    meta_file.write_text(json.dumps(meta))
    if torch.cuda.is_available():
        pytest.skip("the fallback is for machines without CUDA")
    with pytest.warns(UserWarning, match="no CUDA device is available here; it is loaded "
                                         "with device='cpu'"):
        loaded = LSTMForecaster.load(tmp_path / "m")
    assert loaded.device == "cpu"
    pd.testing.assert_series_equal(loaded.forecast(3), fitted.forecast(3))


def test_numpy_parameters_from_a_grid_fit_and_save(tmp_path):
    fitted = LSTMForecaster(**{**SMALL, "hidden_size": np.int64(4), "lr": np.float32(1e-3)})
    fitted.fit(None, _monthly())
    fitted.save(tmp_path / "m")
    loaded = LSTMForecaster.load(tmp_path / "m")
    assert loaded.hidden_size == 4 and loaded.lr == pytest.approx(1e-3)
    pd.testing.assert_series_equal(loaded.forecast(3), fitted.forecast(3))


def test_quantiles_given_as_a_numpy_array_save_and_load(tmp_path):
    fitted = LSTMForecaster(**{**SMALL, "loss": "quantile", "quantiles": np.array([0.2, 0.8])})
    fitted.fit(None, _monthly())
    fitted.save(tmp_path / "m")
    loaded = LSTMForecaster.load(tmp_path / "m")
    assert loaded.quantiles == (0.2, 0.8)
    pd.testing.assert_frame_equal(loaded.predict_quantiles(np.empty((3, 0)), (0.2, 0.8)),
                                  fitted.predict_quantiles(np.empty((3, 0)), (0.2, 0.8)))


def test_saving_onto_a_file_is_a_clear_error(tmp_path):
    from seqforecast import EnsembleForecaster, NaiveForecaster

    file = tmp_path / "model.bin"
    file.write_bytes(b"not a directory")
    fitted = LSTMForecaster(**SMALL).fit(None, _monthly())
    with pytest.raises(ValueError, match=r"save\(\) writes a directory, but .*model.bin is a file"):
        fitted.save(file)
    ensemble = EnsembleForecaster([("a", NaiveForecaster()), ("b", NaiveForecaster())])
    with pytest.raises(ValueError, match="is a file; give the path of a directory"):
        ensemble.fit(None, _monthly()).save(file)
    assert file.read_bytes() == b"not a directory"
