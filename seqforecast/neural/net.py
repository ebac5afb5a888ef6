"""The skorch layer: the training loop of the neural forecasters."""

from __future__ import annotations

from collections.abc import Mapping

import torch
from skorch import NeuralNet
from skorch.dataset import get_len
from skorch.utils import to_tensor

from seqforecast.neural import _distributed
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

    With ``shard=(rank, world_size)`` it trains data-parallel
    (:mod:`~seqforecast.neural._distributed`): each process takes its shard
    of every epoch's windows and the training forward pass goes through a
    ``DistributedDataParallel`` wrapper, which all-reduces the gradients.
    ``module_`` stays the plain module (the wrapper lives only while
    training), so early stopping, prediction and saving see no difference.
    Every process validates on all validation windows and keeps rank 0's
    losses, so early stopping decides alike everywhere.

    With ``partial_targets=True`` a target may be NaN at steps its window
    does not observe (a future running past the end of its series); the
    loss is then taken over the observed steps only. Off, no batch is
    checked for them (a check would read the device back once a batch).
    """

    def __init__(self, *args, generator=None, shard=None, deferred_loss=False,
                 partial_targets=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.generator = generator
        self.shard = shard
        self.deferred_loss = deferred_loss
        self.partial_targets = partial_targets

    def get_iterator(self, dataset, training=False):
        if training:
            return Batches(dataset, self.batch_size, self.generator, self.shard)
        return Batches(dataset, self.batch_size)

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        super().on_train_begin(net, X=X, y=y, **kwargs)
        # object.__setattr__: skorch would register a module attribute as a
        # part of the net (moved, saved, re-initialised); the wrapper is not.
        wrapper = None if self.shard is None else _distributed.data_parallel(self.module_)
        object.__setattr__(self, "_data_parallel", wrapper)

    def on_train_end(self, net, X=None, y=None, **kwargs):
        super().on_train_end(net, X=X, y=y, **kwargs)
        object.__setattr__(self, "_data_parallel", None)

    def infer(self, x, **fit_params):
        # The windows' lengths stay where the batch has them (on the host):
        # the network reads them there (range check, packing), and moving
        # them to a GPU would cost a synchronisation per batch to read back.
        if isinstance(x, Mapping) and "lengths" in x:
            x = dict(x)
            fit_params = {**fit_params, "lengths": x.pop("lengths")}
        wrapper = getattr(self, "_data_parallel", None)
        if wrapper is None or not torch.is_grad_enabled():
            return super().infer(x, **fit_params)
        # A training step: through DDP, whose backward all-reduces the gradients.
        return wrapper(**to_tensor(x, device=self.device), **fit_params)

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        if self.deferred_loss and iterator is not None:
            self._run_epoch_reading_losses_at_the_end(iterator, training, prefix, step_fn,
                                                      **fit_params)
        else:
            super().run_single_epoch(iterator, training, prefix, step_fn, **fit_params)
        if self.shard is not None and iterator is not None and not training:
            # Every process computed the same losses on the same windows; rank
            # 0's are kept so that not even rounding can split the decision.
            key = prefix + "_loss"
            batches = [b for b in self.history[-1]["batches"] if key in b]
            shared = _distributed.shared_values([b[key] for b in batches])
            for batch, value in zip(batches, shared, strict=True):
                batch[key] = value

    def _run_epoch_reading_losses_at_the_end(self, iterator, training, prefix, step_fn,
                                             **fit_params):
        """skorch's epoch, each batch's loss read back once at the end of the epoch.

        skorch records ``loss.item()`` after every batch, which on a GPU
        makes the host wait for each step to finish before it queues the
        next. Here the losses stay on the device until the epoch ends; the
        history is the same (the same numbers, recorded in the same
        entries). Used with device-resident batches
        (:class:`~seqforecast.neural.data.DeviceWindowDataset`) and no
        progress bar (which shows each batch's loss as it comes).
        """
        losses, entries = [], []
        for batch in iterator:
            self.notify("on_batch_begin", batch=batch, training=training)
            step = step_fn(batch, **fit_params)
            losses.append(step["loss"].detach())
            entries.append(self.history[-1]["batches"][-1])
            self.history.record_batch(prefix + "_loss", losses[-1])  # a float at the end
            self.history.record_batch(prefix + "_batch_size", get_len(batch[0]))
            self.notify("on_batch_end", batch=batch, training=training, **step)
        self.history.record(prefix + "_batch_count", len(losses))
        if losses:
            for entry, value in zip(entries, torch.stack(losses).tolist(), strict=True):
                entry[prefix + "_loss"] = value

    def get_loss(self, y_pred, y_true, *args, **kwargs):
        if self.partial_targets:
            observed = ~torch.isnan(y_true[..., 0])  # -> (B, T)
            if not bool(observed.all()):
                # The observed steps only, each counting as in a whole window.
                y_pred, y_true = y_pred[observed.to(y_pred.device)], y_true[observed]  # (N, .)
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
