"""Neural forecasters, by concept (DESIGN.md §2).

``cells`` (recurrent cells from the equations), ``encoders`` (what reads a
window: recurrent, Transformer), ``networks`` (output heads and attention
over any encoder), ``losses``, ``data`` (scaled windows served by the
batch), ``net`` (the skorch training loop) and ``forecaster`` (the
scikit-learn contract and its presets).
"""

from seqforecast.neural.forecaster import (
    GRUForecaster,
    LSTMForecaster,
    RNNForecaster,
)
from seqforecast.neural.net import WindowNet

__all__ = ["GRUForecaster", "LSTMForecaster", "RNNForecaster", "WindowNet"]
