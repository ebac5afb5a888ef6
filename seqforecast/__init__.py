"""seqforecast: recurrent-network forecasting as scikit-learn estimators.

The neural forecasters are imported lazily, so ``import seqforecast`` and the
classical side (baselines, metrics, windowing) do not load torch.
"""

import importlib

from seqforecast._time import detect_seasonal_period
from seqforecast.base import BaseForecaster, seasonal_period_from_freq
from seqforecast.baselines import NaiveForecaster
from seqforecast.conformal import ConformalForecaster
from seqforecast.datasets import load_airpassengers, load_m3
from seqforecast.ensemble import EnsembleForecaster, make_ensemble
from seqforecast.metrics import (
    coverage,
    interval_width,
    mae,
    mase,
    mase_scorer,
    msis,
    pinball_loss,
    rmse,
    smape,
    smape_scorer,
)
from seqforecast.model_selection import BacktestResult, ForecastSplitter, backtest
from seqforecast.transformers import CalendarFeatures, LagFeatures
from seqforecast.windowing import SlidingWindow

__version__ = "0.1.0"

_LAZY = {
    "RNNForecaster": "seqforecast.neural",
    "LSTMForecaster": "seqforecast.neural",
    "GRUForecaster": "seqforecast.neural",
    "ARIMAForecaster": "seqforecast.baselines",
    "ETSForecaster": "seqforecast.baselines",
    "ThetaForecaster": "seqforecast.baselines",
}

__all__ = [
    "ARIMAForecaster",
    "BacktestResult",
    "BaseForecaster",
    "CalendarFeatures",
    "ConformalForecaster",
    "ETSForecaster",
    "EnsembleForecaster",
    "ForecastSplitter",
    "GRUForecaster",
    "LSTMForecaster",
    "LagFeatures",
    "NaiveForecaster",
    "RNNForecaster",
    "SlidingWindow",
    "ThetaForecaster",
    "__version__",
    "backtest",
    "coverage",
    "detect_seasonal_period",
    "interval_width",
    "load_airpassengers",
    "load_m3",
    "mae",
    "make_ensemble",
    "mase",
    "mase_scorer",
    "msis",
    "pinball_loss",
    "rmse",
    "seasonal_period_from_freq",
    "smape",
    "smape_scorer",
]


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'seqforecast' has no attribute {name!r}")
