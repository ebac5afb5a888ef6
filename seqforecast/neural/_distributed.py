"""Data-parallel training of the neural forecasters over ``torch.distributed``.

The engine is PyTorch's own ``DistributedDataParallel`` (DDP), launched by
``torchrun``: every process holds a replica of the network, trains on its
shard of each epoch's windows, and DDP all-reduces (averages) the gradients
during ``backward``, so every optimiser step is the same on every process and
the replicas stay identical. This module holds the few pieces the skorch net
and the forecaster need: which process this is, a seed shared by all, the
shard of an epoch, and the DDP wrapper.
"""

from __future__ import annotations

import numpy as np
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

__all__ = ["data_parallel", "process_group", "shard", "shared_seed", "shared_values"]


def process_group(distributed):
    """``(rank, world_size)`` to train data-parallel, or None for an ordinary fit.

    ``distributed=True`` needs an initialised default process group (as
    ``torch.distributed.init_process_group`` sets up under ``torchrun``);
    ``"auto"`` uses one when there is one and falls back to an ordinary fit
    otherwise.
    """
    if distributed is False:
        return None
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    if distributed == "auto":
        return None
    raise ValueError(
        "distributed=True trains over an initialised torch.distributed process group, "
        "but none is initialised in this process: launch with torchrun and call "
        "torch.distributed.init_process_group() before fit, or pass distributed='auto' "
        "to fall back to an ordinary fit without one."
    )


def shared_seed(seed):
    """Rank 0's ``seed`` on every process: the same initial weights and window order."""
    values = [int(seed)]
    dist.broadcast_object_list(values, src=0)
    return values[0]


def shared_values(values):
    """Rank 0's list of floats on every process (broadcast as objects: any backend)."""
    values = [list(values)]
    dist.broadcast_object_list(values, src=0)
    return values[0]


def shard(order, rank, world_size):
    """This process's positions of an epoch's ``order``: ``rank::world_size``.

    ``order`` is the same on every process (a shared seed), so the shards are
    disjoint. It is first extended cyclically to a multiple of
    ``world_size`` (as ``DistributedSampler`` pads), so every process takes
    the same number of batches: DDP needs one backward pass from each
    process at every step.
    """
    n_per_rank = -(-len(order) // world_size)
    return np.resize(order, n_per_rank * world_size)[rank::world_size]


def data_parallel(module):
    """``module`` wrapped in DDP over the default process group.

    DDP broadcasts rank 0's weights on construction; ``device_ids`` is left
    to DDP, which trains a single-device module where it lies (the CPU, or the
    GPU this process set with ``torch.cuda.set_device``).
    """
    return DistributedDataParallel(module)

