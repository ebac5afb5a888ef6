"""Save and load fitted neural forecasters without pickle.

A saved forecaster is a directory holding

``forecaster.json``
    the format version and the seqforecast version that wrote it, the class
    name, the constructor parameters and the fitted metadata (window sizes,
    series names, the time index: a time zone by name, the timestamps as UTC
    instants), all plain JSON;
``arrays.pt``
    a flat dict of tensors: the network weights (``module.*``), the history
    (format 2: ragged, ``y_values`` and ``y_offsets`` with the number of
    aligned rows ``y_rows``, and per-series covariates ``X_values`` laid out
    the same way; format 1 held the rectangle ``y_history`` and is still
    read) and the scaling statistics, read back with
    ``torch.load(weights_only=True)``, which refuses anything but tensors
    and plain containers, so loading never executes code from the files.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from seqforecast._checks import save_directory
from seqforecast._panel import RaggedPanel
from seqforecast._seasonal import SeasonalProfile
from seqforecast._time import time_zone_name
from seqforecast.neural.data import Scaler

# 1: the history as a rectangle (y_history); 2: ragged (y_values, y_offsets).
FORMAT_VERSION = 2
_META = "forecaster.json"
_ARRAYS = "arrays.pt"
# Fitted attributes that are plain numbers or strings.
_SCALARS = (
    "lookback_", "horizon_", "seasonal_period_", "min_observed_", "windows_per_epoch_",
    "n_train_windows_", "y_kind_", "y_ndim_", "n_series_", "n_features_in_", "n_epochs_",
    "best_epoch_", "batch_size_", "loss_scale_", "seasonal_period_source_", "min_future_",
    "weekly_means_",
)


# Those of them that are counts (the network's shape is built from them).
_COUNTS = (
    "lookback_", "horizon_", "seasonal_period_", "min_observed_", "n_series_",
    "n_features_in_", "batch_size_", "min_future_",
)


# Offsets whose text (freqstr) leaves out what defines them: their fields.
_CUSTOM_OFFSETS = ("CustomBusinessDay", "CustomBusinessMonthBegin", "CustomBusinessMonthEnd")


def _freq_to_json(freq):
    """A time index's frequency as JSON: its text, or a custom offset's fields."""
    if freq is None:
        return None
    name = type(freq).__name__
    if name in _CUSTOM_OFFSETS:
        # Its text ("C") drops the holidays and week mask.
        return {"offset": name, "n": int(freq.n), "normalize": bool(freq.normalize),
                "weekmask": freq.weekmask,
                "holidays": [str(np.datetime64(h, "D")) for h in freq.holidays]}
    text = freq.freqstr
    try:
        same = pd.tseries.frequencies.to_offset(text) == freq
    except ValueError:  # a text pandas cannot read back (DateOffset(months=1): "<DateOffset...>")
        same = False
    if not same:
        raise ValueError(
            f"save() stores the time index's frequency as text, and {freq!r} is not what "
            f"its text {text!r} reads back as; pickle the forecaster instead (joblib.dump)."
        )
    return text


def _freq_from_json(spec):
    if spec is None:
        return None
    if isinstance(spec, dict):
        offset = getattr(pd.offsets, spec["offset"])
        return offset(n=spec["n"], normalize=spec["normalize"], weekmask=spec["weekmask"],
                      holidays=spec["holidays"])
    return pd.tseries.frequencies.to_offset(spec)


def _index_to_json(index, freq):
    if index is None:
        return None
    if isinstance(index, pd.DatetimeIndex):
        tz = None
        values = index
        if index.tz is not None:
            # The time zone by name and the instants in UTC: fixed offsets
            # would lose daylight saving (and differ across a DST change).
            tz = time_zone_name(index)
            if tz is None:
                raise ValueError(
                    f"save() cannot store the time zone {index.tz!r} of the index by name; "
                    "convert the index to a named time zone (e.g. "
                    "y.tz_convert('Europe/London')) or to UTC before fitting."
                )
            values = index.tz_convert("UTC")
        return {
            "kind": "datetime",
            "values": [t.isoformat() for t in values],
            "freq": _freq_to_json(freq),
            "tz": tz,
            "name": _name_to_json(index.name),
        }
    if isinstance(index, pd.PeriodIndex):
        return {"kind": "period", "values": [str(p) for p in index],
                "freq": index.freqstr, "name": _name_to_json(index.name)}
    return {"kind": "integer", "values": [int(v) for v in index], "step": int(freq),
            "name": _name_to_json(index.name)}


def _index_from_json(spec):
    if spec is None:
        return None, None
    if spec["kind"] == "datetime":
        if spec["tz"] is not None:
            # UTC instants (older files: ISO strings with their offsets) back
            # into the named zone.
            values = pd.to_datetime(spec["values"], utc=True, format="ISO8601")
            values = values.tz_convert(spec["tz"])
        else:
            values = pd.to_datetime(spec["values"], format="ISO8601")
        index = pd.DatetimeIndex(values, name=_name_from_json(spec["name"]))
        return index, _freq_from_json(spec["freq"])
    if spec["kind"] == "period":
        index = pd.PeriodIndex(spec["values"], freq=spec["freq"],
                               name=_name_from_json(spec["name"]))
        return index, index.freq
    return (pd.Index(spec["values"], dtype=np.int64, name=_name_from_json(spec["name"])),
            spec["step"])


_TUPLE = "__tuple__"


def _name_to_json(name):
    """A series, column or index name as JSON: tuples marked, numpy numbers plain.

    Names of other types (timestamps, say) are stored as their strings.
    """
    if isinstance(name, tuple):
        return {_TUPLE: [_name_to_json(part) for part in name]}
    if isinstance(name, np.generic):
        name = name.item()
    if name is None or isinstance(name, (bool, int, str)):
        return name
    if isinstance(name, float) and np.isfinite(name):
        return name
    return str(name)


def _names_to_json(names):
    return None if names is None else [_name_to_json(n) for n in names]


def _name_from_json(name):
    """The inverse of :func:`_name_to_json`."""
    if isinstance(name, dict) and set(name) == {_TUPLE}:
        return tuple(_name_from_json(part) for part in name[_TUPLE])
    return name


def _names_from_json(names):
    return None if names is None else [_name_from_json(n) for n in names]


def _tuples_marked(value):
    """``value`` for JSON, with the tuples inside dicts marked (JSON has lists only).

    numpy numbers (a grid built with ``np.arange``) become Python's, numpy
    arrays lists (read back as tuples at the top level).
    """
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):  # e.g. quantiles=np.array([0.1, 0.9])
        return [_tuples_marked(x) for x in value.tolist()]
    if isinstance(value, dict):
        return {k: (_tuples_marked(v) if not isinstance(v, tuple)
                    else {_TUPLE: [_tuples_marked(x) for x in v]})
                for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_tuples_marked(x) for x in value)
    return value


def _tuples_unmarked(value):
    """The inverse of :func:`_tuples_marked` on a value read from JSON."""
    if isinstance(value, dict):
        if set(value) == {_TUPLE}:
            return tuple(_tuples_unmarked(x) for x in value[_TUPLE])
        return {k: _tuples_unmarked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_tuples_unmarked(x) for x in value]
    return value


def save_forecaster(forecaster, path):
    """Write a fitted forecaster to the directory ``path`` (see module docstring)."""
    params = {name: _tuples_marked(value)
              for name, value in forecaster.get_params(deep=False).items()}
    scaler_scalars, scaler_arrays = forecaster.scaler_.to_state()
    for name, value in params.items():
        try:
            json.dumps(value)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"save() stores parameters as JSON, but {name}={value!r} is not "
                f"JSON-serialisable ({exc}); give it a plain value (an int seed for "
                "random_state, strings and numbers in net_params), or pickle the "
                "forecaster instead."
            ) from None
    from seqforecast import __version__

    meta = {
        "format_version": FORMAT_VERSION,
        "seqforecast_version": __version__,
        "class": type(forecaster).__name__,
        "params": params,
        "fitted": {name: getattr(forecaster, name) for name in _SCALARS},
        "scaling": scaler_scalars,
        "index": _index_to_json(forecaster.index_, forecaster.freq_),
        # A long panel: each series' last timestamp and the index's level names.
        "long": None if forecaster.y_kind_ != "long" else {
            "ends": _index_to_json(forecaster.series_ends_, forecaster.freq_),
            "names": _names_to_json(forecaster.long_names_),
        },
        "series_names": _names_to_json(forecaster.series_names_),
        "series_names_name": _name_to_json(getattr(forecaster.series_names_, "name", None)),
        "series_name": _name_to_json(forecaster.series_name_),
        "feature_names_in": _names_to_json(getattr(forecaster, "feature_names_in_", None)),
        "static_names": _names_to_json(getattr(forecaster, "static_names_", None)),
    }
    for key, value in meta["fitted"].items():
        if isinstance(value, np.integer):
            meta["fitted"][key] = int(value)
    if hasattr(forecaster, "quantiles_"):
        meta["quantiles"] = forecaster.quantiles_.tolist()
    arrays = {
        f"module.{k}": v.detach().cpu() for k, v in forecaster.net_.module_.state_dict().items()
    }
    # The history as stored: values end to end and offsets, never the rectangle.
    y = forecaster.y_panel_
    arrays["y_values"] = torch.from_numpy(np.ascontiguousarray(y.values))
    arrays["y_offsets"] = torch.from_numpy(np.ascontiguousarray(y.offsets))
    arrays["y_rows"] = torch.tensor(y.n_rows, dtype=torch.int64)
    X = forecaster.X_panel_
    if isinstance(X, np.ndarray):  # shared by all series
        arrays["X_history"] = torch.tensor(X)
    elif X is not None:  # per series, laid out like y
        arrays["X_values"] = torch.from_numpy(np.ascontiguousarray(X.values))
    arrays["profile.factors"] = torch.tensor(forecaster.profile_.to_state())
    if getattr(forecaster, "static_features_", None) is not None:
        arrays["static_features"] = torch.tensor(forecaster.static_features_)
    for name, values in scaler_arrays.items():
        arrays[f"scaler.{name}"] = torch.tensor(values)
    if getattr(forecaster, "target_range_", None) is not None:
        arrays["target_range"] = torch.tensor(forecaster.target_range_)
    directory = save_directory(path)
    (directory / _META).write_text(json.dumps(meta, indent=2))
    torch.save(arrays, directory / _ARRAYS)


class _CorruptModel(ValueError):
    """A saved model that cannot be read (a ValueError naming the file)."""


def _corrupt(file, detail):
    from seqforecast import __version__

    return _CorruptModel(
        f"{file} cannot be read ({detail}): the saved model is corrupt or was written "
        f"by an incompatible version of seqforecast (this is seqforecast {__version__}, "
        f"which reads format {FORMAT_VERSION}); save the model again."
    )


def _describe(exc):
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0][:200]}" if lines else type(exc).__name__


# Keys of forecaster.json and their JSON types (None: any).
_META_KEYS = {
    "class": str, "params": dict, "fitted": dict, "scaling": dict, "index": None,
    "series_names": None, "series_name": None, "feature_names_in": None,
}


def _read_meta(file):
    """``forecaster.json`` as a dict, its format checked; clear ValueErrors otherwise."""
    from seqforecast import __version__

    try:
        meta = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:  # JSONDecodeError and UnicodeDecodeError
        raise _corrupt(file, _describe(exc)) from exc
    if not isinstance(meta, dict):
        raise _corrupt(file, f"it holds a JSON {type(meta).__name__}, not an object")
    version = meta.get("format_version")
    if version is None:
        raise _corrupt(file, "it records no format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise _corrupt(file, f"format_version {version!r} is not a positive integer")
    if version > FORMAT_VERSION:
        raise ValueError(
            f"{file} was written by seqforecast "
            f"{meta.get('seqforecast_version', '(unknown version)')} in format {version}, "
            f"newer than this seqforecast {__version__} reads (format {FORMAT_VERSION}); "
            "upgrade seqforecast to load it."
        )
    for key, kind in _META_KEYS.items():
        if key not in meta:
            raise _corrupt(file, f"it has no {key!r} entry")
        if kind is not None and not isinstance(meta[key], kind):
            raise _corrupt(file, f"its {key!r} entry is not a JSON {kind.__name__}")
    return meta


def _read_arrays(file):
    """``arrays.pt`` as a dict of tensors, read without executing code."""
    try:
        arrays = torch.load(file, weights_only=True)
    except Exception as exc:  # truncated, empty or foreign files: many error types
        raise _corrupt(file, _describe(exc)) from exc
    if not isinstance(arrays, dict) or not all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in arrays.items()
    ):
        raise _corrupt(file, "it does not hold a dict of named tensors")
    for key in ("profile.factors",):
        if key not in arrays:
            raise _corrupt(file, f"it has no {key!r} tensor")
    if "y_history" not in arrays and not {"y_values", "y_offsets", "y_rows"} <= set(arrays):
        raise _corrupt(file, "it has no 'y_history' tensor (nor 'y_values' and 'y_offsets')")
    return arrays


def load_forecaster(cls, path):
    """Read a forecaster written by :func:`save_forecaster` as an instance of ``cls``.

    Returns the forecaster, with every fitted attribute but its network, and
    the network's weights (the forecaster builds its network, then
    :func:`load_weights`). Every way the files can be damaged (missing,
    truncated, foreign, from an incompatible version) is one ``ValueError``
    naming the file.
    """
    directory = Path(os.fspath(path))
    meta_file, arrays_file = directory / _META, directory / _ARRAYS
    missing = [f.name for f in (meta_file, arrays_file) if not f.is_file()]
    if missing:
        raise ValueError(
            f"{directory} is not a saved forecaster: {' and '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} missing (save() writes {_META} and "
            f"{_ARRAYS}); the model directory is incomplete or corrupt."
        )
    meta = _read_meta(meta_file)
    saved_class = meta["class"]
    classes = {c.__name__: c for c in (cls, *cls.__subclasses__())}
    if saved_class not in classes:
        raise ValueError(
            f"{directory} holds a {saved_class}, which {cls.__name__}.load cannot read; "
            f"use {saved_class}.load."
        )
    arrays = _read_arrays(arrays_file)
    try:
        forecaster = _from_meta(classes[saved_class], meta)
    except _CorruptModel:
        raise
    except Exception as exc:
        raise _corrupt(meta_file, _describe(exc)) from exc
    try:
        weights = _set_arrays(forecaster, meta, arrays, arrays_file)
    except _CorruptModel:
        raise
    except Exception as exc:
        raise _corrupt(arrays_file, _describe(exc)) from exc
    return forecaster, weights


def _from_meta(klass, meta):
    """The forecaster with its parameters and JSON-stored fitted attributes."""
    # JSON has no tuples: tuples inside values were marked by save; top-level
    # lists (the quantiles, and every list of older files) are tuples.
    params = {
        name: tuple(value) if isinstance(value, list) else _tuples_unmarked(value)
        for name, value in meta["params"].items()
    }
    forecaster = klass(**params)
    # Files written before batch_size_ existed: the batch was the parameter.
    meta["fitted"].setdefault("batch_size_", params.get("batch_size") or 32)
    # Files written before loss_scale_ existed: "window" and "mase" were all.
    meta["fitted"].setdefault("loss_scale_", params.get("loss_scale", "window"))
    # Files written before seasonal_period_source_ was saved: unknown unless given.
    meta["fitted"].setdefault(
        "seasonal_period_source_",
        "parameter" if params.get("seasonal_period") is not None else None,
    )
    # Files written before min_future_ existed: every training future was whole.
    meta["fitted"].setdefault("min_future_", meta["fitted"]["horizon_"])
    # Files written before weekly_means_ existed: the profile of the days.
    meta["fitted"].setdefault("weekly_means_", False)
    for name in _SCALARS:
        value = meta["fitted"][name]
        if name in _COUNTS and (not isinstance(value, int) or isinstance(value, bool)
                                or value < 0):
            raise ValueError(f"fitted {name} is {value!r}, not a count")
        setattr(forecaster, name, value)
    if "quantiles" in meta:
        forecaster.quantiles_ = np.asarray(meta["quantiles"], dtype=np.float64)
    forecaster.index_, forecaster.freq_ = _index_from_json(meta["index"])
    forecaster.series_ends_ = None
    if meta.get("long") is not None:
        forecaster.series_ends_, forecaster.freq_ = _index_from_json(meta["long"]["ends"])
        forecaster.long_names_ = tuple(_names_from_json(meta["long"]["names"]))
    names = _names_from_json(meta["series_names"])
    forecaster.series_names_ = (
        pd.Index(names, name=_name_from_json(meta.get("series_names_name")))
        if names is not None else None
    )
    forecaster.series_name_ = _name_from_json(meta["series_name"])
    if meta["feature_names_in"] is not None:
        forecaster.feature_names_in_ = np.asarray(meta["feature_names_in"], dtype=object)
    return forecaster


def _set_arrays(forecaster, meta, arrays, file):
    """Histories, scaling and seasonal profile from the tensors; returns the weights."""
    if "y_history" in arrays:  # format 1: the rectangle, stored ragged from now on
        y_history, X_history = _dense_history(forecaster, arrays, file)
        forecaster.y_panel_ = y_history
        forecaster.X_panel_ = X_history
    else:
        _ragged_history(forecaster, arrays, file)
    n_rows = forecaster.y_panel_.n_rows
    if forecaster.index_ is not None and len(forecaster.index_) != n_rows:
        raise _corrupt(
            file, f"its history has {n_rows} rows but the index in {_META} has "
            f"{len(forecaster.index_)}"
        )

    # Files of format 1 written before the scaler recorded its own scaling.
    scalars = {"scaling": forecaster.scaling, **meta["scaling"]}
    forecaster.scaler_ = Scaler.from_state(scalars, {
        name[len("scaler."):]: values.numpy()
        for name, values in arrays.items() if name.startswith("scaler.")
    })
    forecaster.profile_ = SeasonalProfile.from_state(arrays["profile.factors"].numpy())
    # None in files written before outputs were clipped: they forecast as before.
    bounds = arrays.get("target_range")
    forecaster.target_range_ = None if bounds is None else bounds.numpy().astype(np.float64)
    static = arrays.get("static_features")
    forecaster.static_features_ = None if static is None else static.numpy().astype(np.float64)
    names = meta.get("static_names")
    forecaster.static_names_ = None if names is None else np.asarray(names, dtype=object)

    return {k[len("module."):]: v for k, v in arrays.items() if k.startswith("module.")}


def _dense_history(forecaster, arrays, file):
    """The rectangular history of a format-1 file, checked: (y, X)."""
    y_history = np.asarray(arrays["y_history"].numpy(), dtype=np.float64)
    X_history = arrays.get("X_history")
    X_history = np.asarray(X_history.numpy(), dtype=np.float64) if X_history is not None else None
    n_features = forecaster.n_features_in_
    if y_history.ndim != 2 or y_history.shape[1] != forecaster.n_series_:
        raise _corrupt(
            file, f"its history has shape {y_history.shape}, not (n, {forecaster.n_series_})"
        )
    per_series = (len(y_history), forecaster.n_series_, n_features)
    if (X_history is None) != (n_features == 0) or (
        X_history is not None
        and X_history.shape not in ((len(y_history), n_features), per_series)
    ):
        shape = None if X_history is None else X_history.shape
        raise _corrupt(
            file, f"its covariate history has shape {shape}, not ({len(y_history)}, {n_features})"
        )
    return y_history, X_history


def _ragged_history(forecaster, arrays, file):
    """Set the ragged history of a format-2 file, checked."""
    values = np.asarray(arrays["y_values"].numpy(), dtype=np.float64)
    offsets = np.asarray(arrays["y_offsets"].numpy(), dtype=np.int64)
    n_rows = int(arrays["y_rows"])
    lengths = np.diff(offsets)
    if (
        values.ndim != 1 or offsets.ndim != 1 or len(offsets) != forecaster.n_series_ + 1
        or offsets[0] != 0 or offsets[-1] != len(values) or (lengths < 0).any()
        or lengths.max(initial=0) > n_rows
    ):
        raise _corrupt(
            file, f"its history (values {tuple(values.shape)}, offsets "
            f"{tuple(offsets.shape)}) does not describe {forecaster.n_series_} series"
        )
    y = RaggedPanel(values, offsets, n_rows)
    n_features = forecaster.n_features_in_
    shared, per_series = arrays.get("X_history"), arrays.get("X_values")
    X = None
    if shared is not None:
        X = np.asarray(shared.numpy(), dtype=np.float64)
        if X.shape != (n_rows, n_features):
            raise _corrupt(file, f"its covariate history has shape {X.shape}, not "
                                 f"({n_rows}, {n_features})")
    elif per_series is not None:
        X_values = np.asarray(per_series.numpy(), dtype=np.float64)
        if X_values.shape != (len(values), n_features):
            raise _corrupt(file, f"its covariate values have shape {X_values.shape}, not "
                                 f"({len(values)}, {n_features})")
        X = y.with_values(X_values)
    if (X is None) != (n_features == 0):
        raise _corrupt(file, f"its covariate history does not match {n_features} covariates")
    forecaster.y_panel_ = y
    forecaster.X_panel_ = X


def load_weights(module, weights, path):
    """Load the saved ``weights`` into ``module``; a clear error if they do not fit."""
    try:
        module.load_state_dict(weights)
    except Exception as exc:  # missing, unexpected or wrongly shaped weights
        raise _corrupt(
            Path(os.fspath(path)) / _ARRAYS,
            f"its weights do not fit the network described in {_META}: {_describe(exc)}",
        ) from exc
