"""Weight averaging: the network's weights averaged over the last training steps.

A global network trained for a fixed budget of steps ends wherever the last
mini-batches left it; which windows those were moves the forecasts from seed
to seed. An exponential moving average of the weights over the steps
(Polyak averaging, as in the "EMA" of many vision and diffusion models)
keeps the direction of training and averages that noise away. This module
is the skorch callback that updates the average after every training step,
validates with it, and leaves it in the network at the end of training.

The average is a copy of the module updated with one multi-tensor
``torch._foreach_lerp_`` per step (the kernel behind torch's own
``get_ema_multi_avg_fn``), its decay a Python number. torch's
:class:`~torch.optim.swa_utils.AveragedModel`, used before, keeps its step
count in a tensor that it compares (``n_averaged == 0``) and copies to the
weights' device once per weight at every update: on a GPU each copy from
pageable host memory waits for the device, several times a step, so the
host could no longer queue the next step while the GPU computed this one.
"""

from __future__ import annotations

import copy

import torch
from skorch.callbacks import Callback, EarlyStopping

__all__ = ["WeightAveraging"]


class WeightAveraging(Callback):
    """Exponential moving average of the module's weights (skorch callback).

    After training step ``t`` (from 1) the average moves toward the current
    weights: ``average = d * average + (1 - d) * weights`` with ``d =
    min(decay, (1 + t) / (10 + t))``. The warm-up of ``d`` (as in
    TensorFlow's ``ExponentialMovingAverage`` with ``num_updates``) keeps a
    short training run's average from being dominated by its first,
    untrained steps; after a few hundred steps ``d`` is ``decay``.
    Validation (when there is a validation split) is computed with the
    averaged weights, so early stopping judges and keeps them; at the end of
    training the module holds the averaged weights.

    Parameters
    ----------
    decay : float, default=0.99
        Weight of the previous average at each step; ``1 / (1 - decay)``
        steps is about how far back the average reaches.
    """

    def __init__(self, decay=0.99):
        self.decay = decay

    def initialize(self):
        self.average_ = None
        self.live_ = None
        self._averaged = self._copied = None
        return self

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        self.average_ = copy.deepcopy(net.module_).requires_grad_(False)
        # The live and averaged tensors, paired once: the parameters, then
        # the floating-point buffers (averaged too); other buffers are copied.
        live = [*net.module_.parameters(), *net.module_.buffers()]
        average = [*self.average_.parameters(), *self.average_.buffers()]
        floating = [(a, b) for a, b in zip(average, live, strict=True)
                    if a.is_floating_point()]
        self._averaged = [a for a, _ in floating], [b.detach() for _, b in floating]
        self._copied = [(a, b) for a, b in zip(average, live, strict=True)
                        if not a.is_floating_point()]
        self.live_ = None
        self.step_ = 0

    def _decay(self):
        """The decay of training step ``step_`` (from 2; the first copies the weights)."""
        return min(self.decay, (1 + self.step_) / (10 + self.step_))

    @torch.no_grad()
    def on_batch_end(self, net, batch=None, training=None, **kwargs):
        if not training:
            return
        self.step_ += 1
        average, live = self._averaged
        if self.step_ == 1:
            for a, b in zip(average, live, strict=True):
                a.copy_(b)
        elif average:
            # average + (1 - d) * (weights - average) = d * average + (1 - d) * weights
            torch._foreach_lerp_(average, live, 1.0 - self._decay())
        for a, b in self._copied:
            a.copy_(b)

    def on_batch_begin(self, net, batch=None, training=None, **kwargs):
        if not training and self.live_ is None:
            # First validation batch of the epoch: validate the average.
            self.live_ = copy.deepcopy(net.module_.state_dict())
            net.module_.load_state_dict(self.average_.state_dict())

    def on_epoch_end(self, net, **kwargs):
        # Early stopping (an earlier callback) has seen the validated average;
        # training goes on from the live weights.
        if self.live_ is not None:
            net.module_.load_state_dict(self.live_)
            self.live_ = None

    def on_train_end(self, net, X=None, y=None, **kwargs):
        if self.average_ is None:
            return
        # With early stopping that keeps its best epoch, that epoch's
        # (validated, averaged) weights; skorch itself skips the reload when
        # the best epoch is the last one, whose live weights the module may
        # hold again. Otherwise the last average.
        best = [cb.best_model_weights_ for _, cb in net.callbacks_
                if isinstance(cb, EarlyStopping) and cb.load_best
                and getattr(cb, "best_model_weights_", None) is not None]
        net.module_.load_state_dict(best[0] if best else self.average_.state_dict())
        self.average_ = self.live_ = self._averaged = self._copied = None
