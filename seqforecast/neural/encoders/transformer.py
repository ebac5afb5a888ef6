"""A small Transformer encoder: causal self-attention over the window.

Each step's inputs are projected to ``hidden_size`` values, a sinusoidal
positional encoding is added, and a stack of torch's own
``nn.TransformerEncoderLayer`` (pre-norm) reads the window with a causal
mask: step t attends to steps 0..t. The window's summary is the last step's
output, which attends to the whole window.

Positions count back from the end of the window (the last observation is
position 0), so a short series, padded at the start, sees exactly the
positions it would see unpadded; padding steps are masked out of every
real step's attention (a padding step attends only to itself, which keeps
its own row finite), so their values never reach the result.
"""

from __future__ import annotations

import math
from numbers import Real

import torch
from torch import nn

from seqforecast._checks import POSITIVE_INT, Interval, check_params
from seqforecast.neural.encoders._base import Encoded, check_lengths, valid_steps

__all__ = ["TransformerEncoder", "sinusoidal_positions"]

_CONSTRAINTS = {
    "input_size": POSITIVE_INT,
    "hidden_size": POSITIVE_INT,
    "num_layers": POSITIVE_INT,
    "dropout": [Interval(Real, 0, 1, closed="left")],
    "n_heads": POSITIVE_INT,
}


def sinusoidal_positions(lookback, size, *, device=None, dtype=torch.float32):
    """Sinusoidal encoding (Vaswani et al., 2017) of positions counted from the end.

    Row t of the (L, size) result encodes position ``p = L - 1 - t``:
    ``sin(p / 10000^(2i/size))`` in column 2i and ``cos(...)`` in 2i + 1.
    """
    position = torch.arange(lookback - 1, -1, -1, device=device, dtype=dtype)[:, None]  # (L, 1)
    rate = torch.exp(
        torch.arange(0, size, 2, device=device, dtype=dtype) * (-math.log(10000.0) / size)
    )  # (ceil(size / 2),)
    encoding = torch.zeros(lookback, size, device=device, dtype=dtype)
    encoding[:, 0::2] = torch.sin(position * rate)
    encoding[:, 1::2] = torch.cos(position * rate[: size // 2])
    return encoding  # -> (L, size)


class TransformerEncoder(nn.Module):
    """Causal Transformer encoder over a right-aligned window.

    Parameters
    ----------
    input_size : int
        Number of input features F.
    hidden_size : int
        Model width d (the attention and output size); a multiple of ``n_heads``.
    num_layers : int, default=1
        Stacked ``nn.TransformerEncoderLayer``\\ s.
    dropout : float, default=0.0
        Dropout inside the layers (attention weights, feed-forward, residuals).
    n_heads : int, default=4
        Attention heads per layer.

    Attributes
    ----------
    input_projection : torch.nn.Linear
        F -> d, applied to every step.
    layers : torch.nn.ModuleList of torch.nn.TransformerEncoderLayer
        Pre-norm layers with a feed-forward width of 2 d and GELU.
    norm : torch.nn.LayerNorm
        Final normalisation (pre-norm layers leave their output unnormalised).

    Examples
    --------
    >>> import torch
    >>> encoder = TransformerEncoder(input_size=3, hidden_size=8, n_heads=2)
    >>> encoder.summary(torch.randn(4, 12, 3), lengths=torch.tensor([12, 12, 5, 1])).shape
    torch.Size([4, 8])
    """

    def __init__(self, input_size, hidden_size, num_layers=1, dropout=0.0, n_heads=4):
        super().__init__()
        check_params(type(self).__name__, {
            "input_size": input_size, "hidden_size": hidden_size, "num_layers": num_layers,
            "dropout": dropout, "n_heads": n_heads,
        }, _CONSTRAINTS)
        if hidden_size % n_heads:
            raise ValueError(
                f"TransformerEncoder needs hidden_size to be a multiple of n_heads; got "
                f"hidden_size={hidden_size} and n_heads={n_heads}."
            )
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.n_heads = n_heads
        self.input_projection = nn.Linear(input_size, hidden_size)
        self.layers = nn.ModuleList(
            nn.TransformerEncoderLayer(
                hidden_size, n_heads, dim_feedforward=2 * hidden_size, dropout=dropout,
                activation="gelu", batch_first=True, norm_first=True,
            )
            for _ in range(num_layers)
        )
        self.norm = nn.LayerNorm(hidden_size)

    @property
    def output_size(self):
        """Width of the summary and per-step outputs: ``hidden_size``."""
        return self.hidden_size

    def summary(self, x, lengths=None):
        """The last step's output, (B, d)."""
        return self.encode(x, lengths).summary

    def encode(self, x, lengths=None, need_output=False):
        """Read the windows (see :class:`~seqforecast.neural.encoders.Encoded`).

        Parameters
        ----------
        x : torch.Tensor of shape (B, L, F)
            Right-aligned windows.
        lengths : torch.Tensor of shape (B,), int64, default=None
            Real (trailing) steps of each row, in [1, L]; None when all are full.
        need_output : bool, default=False
            Also return every step's output (zero at padding steps).

        Returns
        -------
        Encoded
            ``h`` holds each layer's output at the last step (the last one
            normalised, equal to the summary); ``c`` is None.
        """
        # Shapes: B batch, L lookback, F input features, d model width, N heads.
        if not isinstance(x, torch.Tensor) or x.ndim != 3 or x.shape[2] != self.input_size:
            shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
            raise ValueError(
                f"x must be a tensor of shape (batch, lookback, input_size={self.input_size}),"
                f" got {shape}."
            )
        batch, lookback, _ = x.shape
        lengths = check_lengths(lengths, batch, lookback)
        valid = valid_steps(lengths, lookback, x.device)  # -> (B, L) or None
        if valid is not None:
            x = x.masked_fill(~valid[..., None], 0.0)  # NaN in padding must not reach a gradient
        steps = torch.arange(lookback, device=x.device)
        allowed = steps[None, :] <= steps[:, None]  # -> (L, L): query t reads keys s <= t
        if valid is not None:
            diagonal = torch.eye(lookback, dtype=torch.bool, device=x.device)
            allowed = allowed & (valid[:, None, :] | diagonal)  # -> (B, L, L)
            allowed = allowed.repeat_interleave(self.n_heads, dim=0)  # -> (B*N, L, L)
        mask = torch.zeros(allowed.shape, device=x.device, dtype=x.dtype)
        mask = mask.masked_fill(~allowed, float("-inf"))  # additive attention mask
        hidden = self.input_projection(x)  # -> (B, L, d)
        hidden = hidden + sinusoidal_positions(lookback, self.hidden_size, device=x.device,
                                               dtype=x.dtype)
        finals = []
        for layer in self.layers:
            hidden = layer(hidden, src_mask=mask)  # -> (B, L, d)
            finals.append(hidden[:, -1])
        hidden = self.norm(hidden)  # -> (B, L, d)
        finals[-1] = hidden[:, -1]
        output = None
        if need_output:
            output = hidden if valid is None else hidden * valid[..., None]  # -> (B, L, d)
        return Encoded(hidden[:, -1], output, valid, torch.stack(finals), None)
