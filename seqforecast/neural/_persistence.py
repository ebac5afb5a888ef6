"""Save and load fitted neural forecasters without pickle.

A saved forecaster is a directory holding

``forecaster.json``
    the class name, the constructor parameters and the fitted metadata
    (window sizes, series names, the time index), all plain JSON;
``arrays.pt``
    a flat dict of tensors: the network weights (``module.*``), the history
    and the scaling statistics, read back with
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

FORMAT_VERSION = 1
_META = "forecaster.json"
_ARRAYS = "arrays.pt"
# Fitted attributes that are plain numbers or strings.
_SCALARS = (
    "lookback_", "horizon_", "seasonal_period_", "min_observed_", "windows_per_epoch_",
    "n_train_windows_", "y_kind_", "y_ndim_", "n_series_", "n_features_in_", "n_epochs_",
    "best_epoch_",
)


def _index_to_json(index, freq):
    if index is None:
        return None
    if isinstance(index, pd.DatetimeIndex):
        return {
            "kind": "datetime",
            "values": [t.isoformat() for t in index],
            "freq": freq.freqstr if freq is not None else None,
            "tz": str(index.tz) if index.tz is not None else None,
            "name": index.name,
        }
    if isinstance(index, pd.PeriodIndex):
        return {"kind": "period", "values": [str(p) for p in index],
                "freq": index.freqstr, "name": index.name}
    return {"kind": "integer", "values": [int(v) for v in index], "step": int(freq),
            "name": index.name}


def _index_from_json(spec):
    if spec is None:
        return None, None
    if spec["kind"] == "datetime":
        index = pd.DatetimeIndex(pd.to_datetime(spec["values"]), name=spec["name"])
        if spec["tz"] is not None and index.tz is None:
            index = index.tz_localize("UTC").tz_convert(spec["tz"])
        freq = pd.tseries.frequencies.to_offset(spec["freq"]) if spec["freq"] else None
        return index, freq
    if spec["kind"] == "period":
        index = pd.PeriodIndex(spec["values"], freq=spec["freq"], name=spec["name"])
        return index, index.freq
    return pd.Index(spec["values"], dtype=np.int64, name=spec["name"]), spec["step"]


def _names_to_json(names):
    return None if names is None else [n if isinstance(n, (int, str)) else str(n) for n in names]


def save_forecaster(forecaster, path):
    """Write a fitted forecaster to the directory ``path`` (see module docstring)."""
    params = forecaster.get_params(deep=False)
    try:
        json.dumps(params)
    except TypeError as exc:
        raise ValueError(
            "save() stores parameters as JSON, but some are not JSON-serialisable "
            f"({exc}); pickle the forecaster instead, or pass only plain values in "
            "net_params."
        ) from None
    meta = {
        "format_version": FORMAT_VERSION,
        "class": type(forecaster).__name__,
        "params": params,
        "fitted": {name: getattr(forecaster, name) for name in _SCALARS},
        "scaling": {"floor": forecaster.scaler_.floor},
        "index": _index_to_json(forecaster.index_, forecaster.freq_),
        "series_names": _names_to_json(forecaster.series_names_),
        "series_name": forecaster.series_name_,
        "feature_names_in": _names_to_json(getattr(forecaster, "feature_names_in_", None)),
    }
    for key, value in meta["fitted"].items():
        if isinstance(value, np.integer):
            meta["fitted"][key] = int(value)
    if hasattr(forecaster, "quantiles_"):
        meta["quantiles"] = forecaster.quantiles_.tolist()
    arrays = {
        f"module.{k}": v.detach().cpu() for k, v in forecaster.net_.module_.state_dict().items()
    }
    arrays["y_history"] = torch.tensor(forecaster.y_history_)
    if forecaster.X_history_ is not None:
        arrays["X_history"] = torch.tensor(forecaster.X_history_)
    arrays["profile.factors"] = torch.tensor(forecaster.profile_.factors)
    scaler = forecaster.scaler_
    for name in ("loc", "std", "X_mean", "X_std"):
        if hasattr(scaler, name):
            arrays[f"scaler.{name}"] = torch.tensor(np.asarray(getattr(scaler, name)))
    directory = Path(os.fspath(path))
    directory.mkdir(parents=True, exist_ok=True)
    (directory / _META).write_text(json.dumps(meta, indent=2))
    torch.save(arrays, directory / _ARRAYS)


def load_forecaster(cls, path):
    """Read a forecaster written by :func:`save_forecaster` as an instance of ``cls``."""
    from seqforecast.neural.forecaster import _Scaler, _SeasonalProfile

    directory = Path(os.fspath(path))
    if not (directory / _META).is_file() or not (directory / _ARRAYS).is_file():
        raise ValueError(
            f"{directory} is not a saved forecaster: expected the files {_META} and "
            f"{_ARRAYS} written by save()."
        )
    meta = json.loads((directory / _META).read_text())
    if meta.get("format_version") != FORMAT_VERSION:
        raise ValueError(
            f"{directory} was saved in format {meta.get('format_version')!r}; this "
            f"version of seqforecast reads format {FORMAT_VERSION}."
        )
    saved_class = meta["class"]
    classes = {c.__name__: c for c in (cls, *cls.__subclasses__())}
    if saved_class not in classes:
        raise ValueError(
            f"{directory} holds a {saved_class}, which {cls.__name__}.load cannot read; "
            f"use {saved_class}.load."
        )
    arrays = torch.load(directory / _ARRAYS, weights_only=True)

    # JSON has no tuples: give back the tuple defaults (quantiles) as tuples.
    params = {
        name: tuple(value) if isinstance(value, list) else value
        for name, value in meta["params"].items()
    }
    forecaster = classes[saved_class](**params)
    for name, value in meta["fitted"].items():
        setattr(forecaster, name, value)
    if "quantiles" in meta:
        forecaster.quantiles_ = np.asarray(meta["quantiles"], dtype=np.float64)
    forecaster.index_, forecaster.freq_ = _index_from_json(meta["index"])
    names = meta["series_names"]
    forecaster.series_names_ = pd.Index(names) if names is not None else None
    forecaster.series_name_ = meta["series_name"]
    if meta["feature_names_in"] is not None:
        forecaster.feature_names_in_ = np.asarray(meta["feature_names_in"], dtype=object)
    forecaster.y_history_ = arrays["y_history"].numpy()
    X_history = arrays.get("X_history")
    forecaster.X_history_ = X_history.numpy() if X_history is not None else None

    scaler = _Scaler.__new__(_Scaler)
    scaler.scaling = forecaster.scaling
    scaler.floor = meta["scaling"]["floor"]
    for name in ("loc", "std", "X_mean", "X_std"):
        if f"scaler.{name}" in arrays:
            setattr(scaler, name, arrays[f"scaler.{name}"].numpy())
    forecaster.scaler_ = scaler
    profile = _SeasonalProfile.__new__(_SeasonalProfile)
    profile.factors = arrays["profile.factors"].numpy()
    forecaster.profile_ = profile

    net = forecaster._build_net(forecaster.n_features_in_, None, torch.Generator())
    net.initialize()
    state = {k[len("module."):]: v for k, v in arrays.items() if k.startswith("module.")}
    net.module_.load_state_dict(state)
    forecaster.net_ = net
    return forecaster
