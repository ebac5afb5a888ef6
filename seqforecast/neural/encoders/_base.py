"""What every encoder returns, and the checks of the window lengths they share."""

from __future__ import annotations

from typing import NamedTuple

import torch

__all__ = ["Encoded", "check_lengths", "valid_steps"]


class Encoded(NamedTuple):
    """An encoder's reading of a batch of windows (B batch, L lookback, S width).

    Attributes
    ----------
    summary : torch.Tensor of shape (B, S)
        The whole window in one vector (what the multi-output and recursive
        heads read).
    outputs : torch.Tensor of shape (B, L, S) or None
        One vector per step, zero at padding steps (what attention reads);
        None unless asked for.
    valid : torch.Tensor of shape (B, L), bool, or None
        True on each row's real steps; None when every row is full.
    h : torch.Tensor of shape (num_layers, B, S)
        Each layer's final state (what an encoder-decoder starts from).
    c : torch.Tensor of shape (num_layers, B, S) or None
        Each layer's final cell state, for LSTM-type recurrent encoders.
    """

    summary: torch.Tensor
    outputs: torch.Tensor | None
    valid: torch.Tensor | None
    h: torch.Tensor
    c: torch.Tensor | None


def check_lengths(lengths, batch_size, lookback):
    """Validate ``lengths``; return None when every row is full (no padding)."""
    if lengths is None:
        return None
    if not isinstance(lengths, torch.Tensor) or lengths.dtype.is_floating_point:
        raise ValueError(
            f"lengths must be an integer torch.Tensor of shape (batch,), got {lengths!r}."
        )
    if lengths.shape != (batch_size,):
        raise ValueError(
            f"lengths must have shape (batch,) = ({batch_size},), got {tuple(lengths.shape)}."
        )
    low, high = int(lengths.min()), int(lengths.max())
    if low < 1 or high > lookback:
        raise ValueError(
            f"lengths must lie in [1, lookback={lookback}], got values in [{low}, {high}]."
        )
    return None if low == lookback else lengths


def valid_steps(lengths, lookback, device):
    """(B, L) mask, True on the last ``lengths[b]`` steps of row b; None for None."""
    if lengths is None:
        return None
    steps = torch.arange(lookback, device=device)  # (L,)
    return steps >= (lookback - lengths.to(device, non_blocking=True))[:, None]  # -> (B, L)
