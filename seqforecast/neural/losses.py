"""Training losses of the neural forecasters, by name.

Each takes network outputs (B, T, O) and targets (B, T, 1) in scaled units.
"""

from __future__ import annotations

import torch

__all__ = ["DEFAULT_QUANTILES", "LOSSES", "GaussianNLLLoss", "PinballLoss"]

DEFAULT_QUANTILES = (0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95)


class PinballLoss(torch.nn.Module):
    """Mean pinball (quantile) loss of outputs (B, T, Q) against targets (B, T, 1)."""

    def __init__(self, quantiles=DEFAULT_QUANTILES):
        super().__init__()
        self.register_buffer("quantiles", torch.as_tensor(quantiles, dtype=torch.float32))

    def forward(self, y_pred, y_true):
        error = y_true - y_pred  # -> (B, T, Q)
        return torch.maximum(self.quantiles * error, (self.quantiles - 1) * error).mean()


class GaussianNLLLoss(torch.nn.Module):
    """Gaussian negative log-likelihood of outputs (B, T, 2) = (mean, scale)."""

    def __init__(self):
        super().__init__()
        self.nll = torch.nn.GaussianNLLLoss(full=False)

    def forward(self, y_pred, y_true):
        return self.nll(y_pred[..., :1], y_true, y_pred[..., 1:] ** 2)


LOSSES = {
    "mae": torch.nn.L1Loss,
    "mse": torch.nn.MSELoss,
    "quantile": PinballLoss,
    "gaussian": GaussianNLLLoss,
}
