"""The recurrent encoder: a stack of recurrent layers over a window.

Windows are **right-aligned**: the last step of every window is the last
observation before the horizon. A window shorter than the lookback ``L``
(a series with a short history) is padded at the *start*, and its true
length is given in ``lengths``; padding values (anything, NaN included) are
never seen by the recurrent layers and do not reach the gradients.
"""

from __future__ import annotations

from numbers import Real

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from seqforecast._checks import POSITIVE_INT, Interval, StrOptions, check_params
from seqforecast.neural.cells import CELL_TYPES, INIT_SCHEMES, init_fused_rnn_, make_cell
from seqforecast.neural.encoders._base import Encoded, check_lengths, valid_steps

__all__ = ["CONSTRAINTS", "FUSED_CELLS", "RecurrentEncoder"]

# Cells that torch implements as fused modules (cuDNN on GPU).
FUSED_CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}
_CELLS_WITH_MEMORY = ("lstm", "peephole", "coupled")
# Valid constructor arguments (seqforecast._checks).
CONSTRAINTS = {
    "cell": [StrOptions(set(CELL_TYPES))],
    "input_size": POSITIVE_INT,
    "hidden_size": POSITIVE_INT,
    "num_layers": POSITIVE_INT,
    "dropout": [Interval(Real, 0, 1, closed="left")],
    "bidirectional": ["boolean"],
    "init": [StrOptions(set(INIT_SCHEMES))],
    "fused": ["boolean"],
}


class RecurrentEncoder(nn.Module):
    """A stack of recurrent layers that encodes a right-aligned window.

    With ``fused=True`` and ``cell`` one of ``"rnn"``, ``"lstm"``, ``"gru"``
    the layers are torch's ``nn.RNN`` / ``nn.LSTM`` / ``nn.GRU`` (fused
    kernels on CPU, cuDNN on GPU). Otherwise they are the hand-written cells
    of :mod:`seqforecast.neural.cells`, stacked the way torch stacks layers:
    layer k + 1 reads the outputs of layer k (both directions concatenated),
    with dropout between layers but not on the recurrent connections, and a
    bidirectional layer runs a second cell over the reversed sequence.

    Note that ``cell="gru"`` is torch's GRU when fused and the Cho et al.
    form when hand-written (see :class:`~seqforecast.neural.cells.GRUCell`);
    for ``"rnn"`` and ``"lstm"`` both paths compute the same function.

    Parameters
    ----------
    cell : {"rnn", "lstm", "gru", "peephole", "coupled"}
        The recurrent cell.
    input_size : int
        Number of input features F.
    hidden_size : int
        Number of hidden units H per direction.
    num_layers : int, default=1
        Number of stacked layers.
    dropout : float, default=0.0
        Dropout on the outputs of every layer but the last (torch's meaning;
        no effect with one layer).
    bidirectional : bool, default=False
        Also run each layer backwards in time (D = 2 directions).
    init : {"xavier_orthogonal", "torch"}, default="xavier_orthogonal"
        Weight initialisation, the same for both paths (see
        :mod:`seqforecast.neural.cells`).
    fused : bool, default=True
        Use torch's fused module when ``cell`` has one (rnn, lstm, gru);
        ignored for ``"peephole"`` and ``"coupled"``, which are always hand-written.

    Attributes
    ----------
    rnn : torch.nn.RNN, torch.nn.LSTM or torch.nn.GRU
        The fused module (only on the fused path), ``batch_first=True``.
    cells : torch.nn.ModuleList
        The hand-written cells (only on the other path), index
        ``layer * D + direction`` as in torch's ``h_n``.
    num_directions : int
        D, 2 when bidirectional else 1.

    Examples
    --------
    >>> import torch
    >>> encoder = RecurrentEncoder("lstm", input_size=3, hidden_size=8, num_layers=2)
    >>> x = torch.randn(4, 12, 3)
    >>> h_n, c_n = encoder(x, lengths=torch.tensor([12, 12, 5, 1]))
    >>> h_n.shape, c_n.shape
    (torch.Size([2, 4, 8]), torch.Size([2, 4, 8]))
    """

    def __init__(
        self,
        cell,
        input_size,
        hidden_size,
        num_layers=1,
        dropout=0.0,
        bidirectional=False,
        init="xavier_orthogonal",
        fused=True,
    ):
        super().__init__()
        check_params(type(self).__name__, {
            "cell": cell, "input_size": input_size, "hidden_size": hidden_size,
            "num_layers": num_layers, "dropout": dropout, "bidirectional": bidirectional,
            "init": init, "fused": fused,
        }, CONSTRAINTS)
        self.cell = cell
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.dropout = dropout
        self.bidirectional = bool(bidirectional)
        self.init = init
        self.fused = bool(fused)
        self.num_directions = 2 if self.bidirectional else 1
        self.has_cell_state = cell in _CELLS_WITH_MEMORY
        if self.is_fused:
            self.rnn = FUSED_CELLS[cell](
                input_size,
                hidden_size,
                num_layers=num_layers,
                batch_first=True,
                # torch warns about inter-layer dropout with a single layer.
                dropout=dropout if num_layers > 1 else 0.0,
                bidirectional=self.bidirectional,
            )
            init_fused_rnn_(self.rnn, init)
        else:
            d_in = [input_size] + [self.num_directions * hidden_size] * (num_layers - 1)
            self.cells = nn.ModuleList(
                make_cell(cell, d_in[layer], hidden_size, init=init)
                for layer in range(num_layers)
                for _ in range(self.num_directions)
            )
            self.inter_layer_dropout = nn.Dropout(dropout)

    @property
    def output_size(self):
        """Width of the summary and per-step outputs: D * H."""
        return self.num_directions * self.hidden_size

    @property
    def is_fused(self):
        """Whether this encoder runs on torch's fused module."""
        return self.fused and self.cell in FUSED_CELLS

    def forward(self, x, lengths=None):
        """Encode a batch of windows into the final states.

        Parameters
        ----------
        x : torch.Tensor of shape (B, L, F)
            Right-aligned windows.
        lengths : torch.Tensor of shape (B,), int64, default=None
            Number of real (trailing) steps of each row, in [1, L]; the first
            ``L - lengths[b]`` steps of row b are padding and are not read.
            None means every row is full.

        Returns
        -------
        h_n : torch.Tensor of shape (num_layers * D, B, H)
            Final hidden state of every layer and direction (torch's layout:
            layer-major, forward before backward). The backward direction's
            final state is its state after reading the first real step.
        c_n : torch.Tensor of shape (num_layers * D, B, H) or None
            Final cell state for LSTM-type cells, None for rnn and gru.
        """
        # Shapes: B batch, L lookback, F input features, H hidden, D directions.
        _, h_n, c_n = self._encode(x, lengths, None, need_output=False)  # -> (layers*D, B, H)
        return h_n, c_n

    def summary(self, x, lengths=None):
        """Last layer's final hidden state, directions concatenated.

        Same value as taking ``h_n`` of :meth:`forward` for the last layer,
        computed faster where possible: a fused unidirectional encoder runs
        the left-aligned rows *unpacked* (trailing padding zeroed) and reads
        each row's output at its last real step. The recurrence is causal, so
        steps after a row's end cannot change it, and torch's backward pass
        through unpacked sequences is several times faster on CPU than
        through packed ones.

        Parameters
        ----------
        x, lengths
            As in :meth:`forward`.

        Returns
        -------
        torch.Tensor of shape (B, D * H)
        """
        # Shapes: B batch, L lookback, F input features, H hidden, D directions.
        if isinstance(x, torch.Tensor) and x.ndim == 3:
            lengths = check_lengths(lengths, x.shape[0], x.shape[1])
        if self.is_fused and self.num_directions == 1 and lengths is not None:
            batch, lookback, n_features = x.shape
            lengths = lengths.to(x.device, non_blocking=True)
            steps = torch.arange(lookback, device=x.device)  # (L,)
            # Step s of the left-aligned row reads step s + L - length (mod L).
            to_left = (steps - lengths[:, None]) % lookback  # -> (B, L)
            x_left = x.gather(1, to_left[..., None].expand(-1, -1, n_features))  # -> (B, L, F)
            # Zero the wrapped-around padding so that NaN there cannot reach
            # the gradients (its outputs are never read).
            x_left = x_left.masked_fill((steps >= lengths[:, None])[..., None], 0.0)
            output, _ = self.rnn(x_left)  # -> (B, L, H)
            last = (lengths - 1).view(batch, 1, 1).expand(-1, 1, output.shape[2])
            return output.gather(1, last)[:, 0]  # -> (B, H)
        h_n, _ = self.forward(x, lengths)  # -> (layers*D, B, H)
        last = h_n[-self.num_directions:]  # -> (D, B, H), forward then backward
        return last.transpose(0, 1).reshape(h_n.shape[1], -1)  # -> (B, D*H)

    def run(self, x, lengths=None, state=None):
        """Run over a sequence and return the per-step outputs as well.

        Parameters
        ----------
        x : torch.Tensor of shape (B, L, F)
            Right-aligned sequences.
        lengths : torch.Tensor of shape (B,), int64, default=None
            As in :meth:`forward`.
        state : torch.Tensor or tuple of torch.Tensor, default=None
            Initial state in torch's convention, ``h_0`` of shape
            (num_layers * D, B, H), or ``(h_0, c_0)`` for LSTM-type cells;
            zeros when None. Rows with padding start from it at their first real step.

        Returns
        -------
        output : torch.Tensor of shape (B, L, D * H)
            Last layer's output at every step (directions concatenated),
            zero at padding steps.
        h_n, c_n : torch.Tensor
            As in :meth:`forward`.
        """
        # Shapes: B batch, L lookback, F input features, H hidden, D directions.
        return self._encode(x, lengths, state, need_output=True)  # -> (B, L, D*H), h_n, c_n

    def encode(self, x, lengths=None, need_output=False):
        """Summary, per-step outputs (if asked) and per-layer final states.

        Parameters
        ----------
        x, lengths
            As in :meth:`forward`.
        need_output : bool, default=False
            Also return the last layer's output at every step.

        Returns
        -------
        Encoded
            ``h`` and ``c`` are (num_layers, B, D * H): each layer's final
            states with the directions concatenated.
        """
        # Shapes: B batch, L lookback, H hidden, D directions.
        output, h_n, c_n = self._encode(x, lengths, None, need_output)  # -> (layers*D, B, H)
        h, c = self._per_layer(h_n), self._per_layer(c_n)  # -> (layers, B, D*H)
        valid = None
        if need_output:
            lengths = check_lengths(lengths, x.shape[0], x.shape[1])
            valid = valid_steps(lengths, x.shape[1], x.device)  # -> (B, L) or None
        return Encoded(h[-1], output, valid, h, c)

    def _per_layer(self, states):
        """(layers*D, B, H) in torch's layout -> (layers, B, D*H), None for None."""
        if states is None:
            return None
        layers, batch = self.num_layers, states.shape[1]
        per_layer = states.view(layers, self.num_directions, batch, -1).transpose(1, 2)
        return per_layer.reshape(layers, batch, -1)

    def _encode(self, x, lengths, state, need_output):
        if not isinstance(x, torch.Tensor) or x.ndim != 3 or x.shape[2] != self.input_size:
            shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
            raise ValueError(
                f"x must be a tensor of shape (batch, lookback, input_size={self.input_size}),"
                f" got {shape}."
            )
        lengths = check_lengths(lengths, x.shape[0], x.shape[1])
        if self.is_fused:
            return self._encode_fused(x, lengths, state, need_output)
        return self._encode_cells(x, lengths, state, need_output)

    def _encode_fused(self, x, lengths, state, need_output):
        # Shapes: B batch, L lookback, F input features, H hidden, D directions.
        if lengths is None:
            output, state = self.rnn(x, state)  # -> (B, L, D*H), (layers*D, B, H)
        else:
            _, lookback, n_features = x.shape
            steps = torch.arange(lookback, device=x.device)  # (L,)
            pad = lookback - lengths.to(x.device, non_blocking=True)  # (B,)
            # Left-align each row: position s reads step s + pad; the wrapped
            # tail is padding, which packing hides from the recurrent layers.
            to_left = (steps + pad[:, None]) % lookback  # -> (B, L)
            x_left = x.gather(1, to_left[..., None].expand(-1, -1, n_features))  # -> (B, L, F)
            packed = pack_padded_sequence(
                x_left, lengths.cpu(), batch_first=True, enforce_sorted=False
            )
            # With enforce_sorted=False torch sorts and unsorts h_0 / h_n itself.
            packed_output, state = self.rnn(packed, state)
            output = None
            if need_output:
                out_left, _ = pad_packed_sequence(
                    packed_output, batch_first=True, total_length=lookback
                )  # -> (B, L, D*H), zero after each row's length
                to_right = (steps - pad[:, None]) % lookback  # -> (B, L)
                output = out_left.gather(
                    1, to_right[..., None].expand(-1, -1, out_left.shape[2])
                )  # -> (B, L, D*H), zero on the leading padding
        if self.has_cell_state:
            h_n, c_n = state  # (layers*D, B, H) each
        else:
            h_n, c_n = state, None
        return output, h_n, c_n

    def _encode_cells(self, x, lengths, state, need_output):
        # Shapes: B batch, L lookback, F input features, H hidden, D directions.
        batch, lookback, _ = x.shape
        valid = None
        if lengths is not None:
            steps = torch.arange(lookback, device=x.device)  # (L,)
            first = (lookback - lengths.to(x.device, non_blocking=True))[:, None]  # -> (B, 1)
            valid = (steps >= first)[..., None]  # -> (B, L, 1), True on real steps
            # Padding is masked out of the states below; zeroing it too keeps a
            # NaN there from reaching the gradients through the unused branch.
            x = x.masked_fill(~valid, 0.0)  # (B, L, F)
        h0 = c0 = None
        if state is not None:
            h0, c0 = state if self.has_cell_state else (state, None)
        layer_input = x  # (B, L, F)
        h_n, c_n = [], []
        for layer in range(self.num_layers):
            last = layer == self.num_layers - 1
            if layer > 0:
                layer_input = self.inter_layer_dropout(layer_input)  # (B, L, D*H)
            outputs = []
            for direction in range(self.num_directions):
                index = layer * self.num_directions + direction
                cell = self.cells[index]
                if h0 is None:
                    s0 = cell.initial_state(batch, device=x.device, dtype=x.dtype)
                else:
                    s0 = (h0[index], c0[index]) if self.has_cell_state else h0[index]
                out, s_n = _scan(
                    cell, layer_input, valid, s0,
                    reverse=direction == 1, need_output=need_output or not last,
                )  # -> (B, L, H) or None, final state
                outputs.append(out)
                if self.has_cell_state:
                    h_n.append(s_n[0])
                    c_n.append(s_n[1])
                else:
                    h_n.append(s_n)
            if need_output or not last:
                layer_input = torch.cat(outputs, dim=2)  # -> (B, L, D*H)
        output = None
        if need_output:
            output = layer_input if valid is None else layer_input * valid  # -> (B, L, D*H)
        h_n = torch.stack(h_n)  # -> (layers*D, B, H)
        c_n = torch.stack(c_n) if self.has_cell_state else None  # -> (layers*D, B, H)
        return output, h_n, c_n


def _scan(cell, x, valid, state, *, reverse, need_output):
    """Run one hand-written cell over a sequence, one direction.

    ``valid`` (B, L, 1) masks the updates: a row's state only changes on its
    real steps, so leading padding leaves the initial state in place going
    forwards and the final state in place going backwards.
    """
    # Shapes: B batch, L lookback, H hidden, G gate blocks.
    x_proj = cell.project_input(x)  # -> (B, L, G*H), input half of all steps at once
    lookback = x.shape[1]
    order = range(lookback - 1, -1, -1) if reverse else range(lookback)
    outputs = [None] * lookback
    for t in order:
        new = cell.step(x_proj[:, t], state)  # -> (B, H) or ((B, H), (B, H))
        if valid is not None:
            keep = valid[:, t]  # (B, 1)
            if cell.has_cell_state:
                new = tuple(torch.where(keep, n, s) for n, s in zip(new, state, strict=True))
            else:
                new = torch.where(keep, new, state)
        state = new
        if need_output:
            outputs[t] = state[0] if cell.has_cell_state else state
    output = torch.stack(outputs, dim=1) if need_output else None  # -> (B, L, H)
    return output, state


