"""Recurrent forecasters: cells, networks and the scikit-learn forecasters."""

from seqforecast.neural.forecaster import (
    GRUForecaster,
    LSTMForecaster,
    RNNForecaster,
    WindowNet,
)

__all__ = ["GRUForecaster", "LSTMForecaster", "RNNForecaster", "WindowNet"]
