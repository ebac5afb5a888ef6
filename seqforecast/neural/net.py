"""The skorch layer: the training loop of the neural forecasters."""

from __future__ import annotations

import torch
from skorch import NeuralNet

from seqforecast.neural.data import Batches

__all__ = ["WindowNet", "quiet"]


def quiet(*args, **kwargs):
    """Sink for skorch's early-stopping message: fit reports it instead."""


class WindowNet(NeuralNet):
    """skorch net that trains on :class:`WindowDataset` batches.

    The only change to skorch's loop is the iterator: the dataset gathers a
    whole batch with one vectorised index instead of collating windows one
    by one, and the shuffling uses the net's own torch generator so
    ``random_state`` makes training repeatable.
    """

    def __init__(self, *args, generator=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.generator = generator

    def get_iterator(self, dataset, training=False):
        generator = self.generator if training else None
        return Batches(dataset, self.batch_size, generator)

    def get_loss(self, y_pred, y_true, *args, **kwargs):
        if y_true.shape[-1] == 2:
            # Weighted windows (loss_scale="mase"): the L1 and pinball losses
            # are positively homogeneous, so loss(w * pred, w * target) is the
            # w-weighted loss; the square root for the squared error.
            y_true, weight = y_true[..., :1], y_true[..., 1:].to(y_pred.device)
            if isinstance(self.criterion_, torch.nn.MSELoss):
                weight = weight.sqrt()
            y_true = y_true.to(y_pred.device)
            return super().get_loss(y_pred * weight, y_true * weight, *args, **kwargs)
        return super().get_loss(y_pred, y_true, *args, **kwargs)

    def get_split_datasets(self, X, y=None, **fit_params):
        # X is already a WindowDataset; skorch's own split would take the
        # earliest windows, so validation comes through train_split only.
        if self.train_split is None:
            return X, None
        return self.train_split(X, y, **fit_params)
