"""Recurrent encoder and forecasting heads, as plain ``torch.nn.Module``\\ s.

:class:`RecurrentEncoder` runs a stack of recurrent layers over a window and
returns its final states; :class:`ForecastNetwork` puts one of three
forecasting strategies on top of it (multi-output, recursive,
encoder-decoder). Both take integer arguments only and work on tensors; the
training loop and the data contract live in the layers above.

Windows are **right-aligned**: the last step of every window is the last
observation before the horizon. A window shorter than the lookback ``L``
(a series with a short history) is padded at the *start*, and its true
length is given in ``lengths``; padding values (anything, NaN included) are
never seen by the recurrent layers and do not reach the gradients.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from .cells import (
    CELL_TYPES,
    INIT_SCHEMES,
    _check_choice,
    _check_int,
    init_fused_rnn_,
    make_cell,
)

__all__ = [
    "FUSED_CELLS", "OUTPUT_TRANSFORMS", "STRATEGIES", "ForecastNetwork", "RecurrentEncoder",
]

# Cells that torch implements as fused modules (cuDNN on GPU).
FUSED_CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}
STRATEGIES = ("mimo", "recursive", "seq2seq")
OUTPUT_TRANSFORMS = (None, "monotone", "gaussian")
# softplus(_GAP_OFFSET) = 0.05: the initial gap between adjacent quantiles.
_GAP_OFFSET = math.log(math.expm1(0.05))
_CELLS_WITH_MEMORY = ("lstm", "peephole", "coupled")


def _check_dropout(dropout):
    if isinstance(dropout, bool) or not isinstance(dropout, int | float) or not 0 <= dropout < 1:
        raise ValueError(f"dropout must be a float in [0, 1), got {dropout!r}.")


def _check_lengths(lengths, batch_size, lookback):
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
        _check_choice("cell", cell, CELL_TYPES)
        _check_int("input_size", input_size, 1)
        _check_int("hidden_size", hidden_size, 1)
        _check_int("num_layers", num_layers, 1)
        _check_dropout(dropout)
        _check_choice("init", init, INIT_SCHEMES)
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
            lengths = _check_lengths(lengths, x.shape[0], x.shape[1])
        if self.is_fused and self.num_directions == 1 and lengths is not None:
            batch, lookback, n_features = x.shape
            lengths = lengths.to(x.device)
            steps = torch.arange(lookback, device=x.device)  # (L,)
            to_left = (steps + (lookback - lengths)[:, None]) % lookback  # -> (B, L)
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

    def _encode(self, x, lengths, state, need_output):
        if not isinstance(x, torch.Tensor) or x.ndim != 3 or x.shape[2] != self.input_size:
            shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
            raise ValueError(
                f"x must be a tensor of shape (batch, lookback, input_size={self.input_size}),"
                f" got {shape}."
            )
        lengths = _check_lengths(lengths, x.shape[0], x.shape[1])
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
            pad = lookback - lengths.to(x.device)  # (B,)
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
            first = (lookback - lengths.to(x.device))[:, None]  # -> (B, 1)
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


class ForecastNetwork(nn.Module):
    """Recurrent forecasting network: an encoder and a multi-step head.

    Input conventions (all tensors float, windows right-aligned):

    ``past`` of shape (B, L, F), ``F = 1 + K + E``
        column 0 is the (scaled) target; columns 1..K are the K covariates
        that are also known over the horizon, at the past steps; columns
        K+1..F-1 are E extra per-step inputs known only in the past (for
        example an "observed" flag or the target's lags).
    ``future`` of shape (B, T, K), or None when K = 0
        the covariates of the T horizon steps. The network never receives
        future targets.
    ``lengths`` of shape (B,), int64, or None
        real length of each window (see :class:`RecurrentEncoder`).

    Strategies:

    ``"mimo"`` (multi-input multi-output)
        the last layer's final hidden state (both directions, D*H) and the
        flattened future covariates (T*K) -> one Linear -> T*O values.
    ``"recursive"``
        a one-step model, ``Linear([encoder(window), covariates of the
        predicted step]) -> O``, applied T times on a sliding window: after
        predicting step t the row ``[prediction, future[:, t], extras of the
        last past step]`` is appended to the window and its oldest step
        dropped; ``lengths`` grow by one up to L. The fed-back prediction is
        output ``feedback_output`` (default the middle one, ``O // 2``: the
        median for an odd number of sorted symmetric quantiles). Training runs
        the same loop and back-propagates through the fed-back predictions,
        so training and inference see the same inputs.
    ``"seq2seq"``
        a unidirectional decoder of the same cell and depth, started from the
        encoder's final states (when bidirectional, one Linear per layer maps
        the D*H concatenated directions to H, for h and for c), reads at step t
        ``[future[:, t], (t + 1) / T]`` (the position feature gives it an
        input when K = 0); a Linear maps each decoder output to O values.

    Parameters
    ----------
    cell : {"rnn", "lstm", "gru", "peephole", "coupled"}
        The recurrent cell (encoder and decoder).
    n_past_features : int
        F, the number of columns of ``past`` (at least 1 + n_future_features).
    n_future_features : int
        K, the number of covariates known over the horizon (0 for none).
    horizon : int
        T, the number of steps forecast.
    hidden_size : int, default=64
        H, hidden units per layer and direction.
    num_layers : int, default=1
        Stacked recurrent layers (encoder and decoder).
    dropout : float, default=0.0
        Dropout between recurrent layers (torch's meaning).
    bidirectional : bool, default=False
        Bidirectional encoder (the seq2seq decoder is always unidirectional).
    strategy : {"mimo", "recursive", "seq2seq"}, default="mimo"
        How the horizon is produced (see above).
    n_outputs : int, default=1
        O, values per step (more than one for quantile or distribution heads).
    feedback_output : int or None, default=None
        Which output the recursive strategy feeds back; None means
        ``n_outputs // 2``. Ignored by the other strategies.
    output_transform : {None, "monotone", "gaussian"}, default=None
        Constraint on each step's O outputs. "monotone": output
        ``feedback_output`` minus (below it) or plus (above it) cumulative
        softplus gaps, so the outputs are sorted (non-crossing quantiles by
        construction) and start close together; "gaussian" (O = 2): a mean
        and a positive scale (softplus). Applied before feedback in the
        recursive strategy.
    init : {"xavier_orthogonal", "torch"}, default="xavier_orthogonal"
        Initialisation of the recurrent weights (heads use torch's default).
    fused : bool, default=True
        Use torch's fused modules for rnn, lstm and gru.

    Attributes
    ----------
    encoder : RecurrentEncoder
        Encoder over ``past``.
    decoder : RecurrentEncoder
        Decoder (seq2seq only).
    bridge_h, bridge_c : torch.nn.ModuleList of torch.nn.Linear or None
        Direction bridges (seq2seq with a bidirectional encoder only; bridge_c
        only for LSTM-type cells).
    head : torch.nn.Linear
        Output layer.
    n_extra_features : int
        E = F - 1 - K.

    Examples
    --------
    >>> import torch
    >>> net = ForecastNetwork("lstm", n_past_features=3, n_future_features=2,
    ...                       horizon=6, hidden_size=8, strategy="seq2seq")
    >>> past, future = torch.randn(4, 24, 3), torch.randn(4, 6, 2)
    >>> net(past, future, lengths=torch.tensor([24, 24, 10, 3])).shape
    torch.Size([4, 6, 1])
    """

    def __init__(
        self,
        cell,
        n_past_features,
        n_future_features,
        horizon,
        hidden_size=64,
        num_layers=1,
        dropout=0.0,
        bidirectional=False,
        strategy="mimo",
        n_outputs=1,
        feedback_output=None,
        init="xavier_orthogonal",
        fused=True,
        output_transform=None,
    ):
        super().__init__()
        if output_transform is not None:
            _check_choice("output_transform", output_transform, OUTPUT_TRANSFORMS[1:])
        if output_transform == "gaussian" and n_outputs != 2:
            raise ValueError(
                f"output_transform='gaussian' needs n_outputs=2 (mean, scale), got {n_outputs}."
            )
        _check_choice("cell", cell, CELL_TYPES)
        _check_int("n_future_features", n_future_features, 0)
        _check_int("n_past_features", n_past_features, 1)
        if n_past_features < 1 + n_future_features:
            raise ValueError(
                f"n_past_features must be at least 1 + n_future_features = "
                f"{1 + n_future_features} (the target and the covariates' past values), "
                f"got {n_past_features}."
            )
        _check_int("horizon", horizon, 1)
        _check_int("n_outputs", n_outputs, 1)
        _check_choice("strategy", strategy, STRATEGIES)
        if feedback_output is None:
            feedback_output = n_outputs // 2
        elif (
            not isinstance(feedback_output, int)
            or isinstance(feedback_output, bool)
            or not 0 <= feedback_output < n_outputs
        ):
            raise ValueError(
                f"feedback_output must be None or an int in [0, n_outputs={n_outputs}), "
                f"got {feedback_output!r}."
            )
        self.cell = cell
        self.n_past_features = n_past_features
        self.n_future_features = n_future_features
        self.n_extra_features = n_past_features - 1 - n_future_features
        self.horizon = horizon
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bidirectional = bool(bidirectional)
        self.strategy = strategy
        self.n_outputs = n_outputs
        self.feedback_output = feedback_output
        self.output_transform = output_transform
        self.encoder = RecurrentEncoder(
            cell, n_past_features, hidden_size, num_layers=num_layers, dropout=dropout,
            bidirectional=bidirectional, init=init, fused=fused,
        )
        directions = self.encoder.num_directions
        summary_size = directions * hidden_size
        if strategy == "mimo":
            self.head = nn.Linear(summary_size + horizon * n_future_features, horizon * n_outputs)
        elif strategy == "recursive":
            self.head = nn.Linear(summary_size + n_future_features, n_outputs)
        else:
            self.decoder = RecurrentEncoder(
                cell, n_future_features + 1, hidden_size, num_layers=num_layers,
                dropout=dropout, bidirectional=False, init=init, fused=fused,
            )
            self.bridge_h = self.bridge_c = None
            if directions > 1:
                self.bridge_h = nn.ModuleList(
                    nn.Linear(summary_size, hidden_size) for _ in range(num_layers)
                )
                if self.encoder.has_cell_state:
                    self.bridge_c = nn.ModuleList(
                        nn.Linear(summary_size, hidden_size) for _ in range(num_layers)
                    )
            self.head = nn.Linear(hidden_size, n_outputs)

    def forward(self, past, future=None, lengths=None):
        """Forecast the horizon.

        Parameters
        ----------
        past : torch.Tensor of shape (B, L, F)
            Right-aligned windows: target, covariates, extras (see the class docstring).
        future : torch.Tensor of shape (B, T, K) or None
            Covariates of the horizon; None (or K = 0 columns) when K = 0.
        lengths : torch.Tensor of shape (B,), int64, default=None
            Real length of each window, in [1, L]; None when all are full.

        Returns
        -------
        torch.Tensor of shape (B, T, O)
        """
        # Shapes: B batch, L lookback, T horizon, F past features (1 + K + E),
        # K future covariates, E extra inputs, H hidden, D directions, O outputs per step.
        future = self._check_inputs(past, future)  # -> (B, T, K), K may be 0
        if self.strategy == "mimo":
            return self._transform(self._forward_mimo(past, future, lengths))
        if self.strategy == "recursive":
            return self._forward_recursive(past, future, lengths)
        return self._transform(self._forward_seq2seq(past, future, lengths))

    def _transform(self, out):
        """Constrain the raw head outputs (..., O) (see ``output_transform``)."""
        if self.output_transform == "monotone":
            # Anchored at the point output: non-negative gaps below and above
            # it, so the outputs are sorted (quantiles never cross). The
            # offset makes the gaps start small (softplus(0 + offset) = 0.05
            # in scaled units) rather than at softplus(0) = 0.69: the
            # quantiles then grow apart as training needs, instead of having
            # to shrink from a spread many times the data's level.
            p = self.feedback_output
            gaps = nn.functional.softplus(out + _GAP_OFFSET)
            centre = out[..., p:p + 1]
            below = centre - gaps[..., :p].flip(-1).cumsum(-1).flip(-1)
            above = centre + gaps[..., p + 1:].cumsum(-1)
            return torch.cat([below, centre, above], dim=-1)
        if self.output_transform == "gaussian":
            scale = nn.functional.softplus(out[..., 1:]) + 1e-4
            return torch.cat([out[..., :1], scale], dim=-1)
        return out

    def _check_inputs(self, past, future):
        if (
            not isinstance(past, torch.Tensor)
            or past.ndim != 3
            or past.shape[2] != self.n_past_features
        ):
            shape = tuple(past.shape) if isinstance(past, torch.Tensor) else type(past).__name__
            raise ValueError(
                f"past must be a tensor of shape (batch, lookback, n_past_features="
                f"{self.n_past_features}), got {shape}."
            )
        batch, k = past.shape[0], self.n_future_features
        expected = (batch, self.horizon, k)
        if future is None:
            if k > 0:
                raise ValueError(
                    f"future is required: this network has n_future_features={k}; pass "
                    f"the horizon's covariates as a tensor of shape {expected}."
                )
            return past.new_zeros(expected)
        if not isinstance(future, torch.Tensor) or tuple(future.shape) != expected:
            shape = tuple(future.shape) if isinstance(future, torch.Tensor) else future
            raise ValueError(
                f"future must have shape (batch, horizon, n_future_features) = {expected} "
                f"(covariates only, no target), got {shape}."
            )
        return future

    def _forward_mimo(self, past, future, lengths):
        # Shapes as in forward.
        batch = past.shape[0]
        summary = self.encoder.summary(past, lengths)  # -> (B, D*H)
        covariates = future.reshape(batch, -1)  # -> (B, T*K)
        out = self.head(torch.cat([summary, covariates], dim=1))  # -> (B, T*O)
        return out.view(batch, self.horizon, self.n_outputs)  # -> (B, T, O)

    def _forward_recursive(self, past, future, lengths):
        # Shapes as in forward.
        lookback = past.shape[1]
        fb = self.feedback_output
        extras = past[:, -1, 1 + self.n_future_features :]  # -> (B, E), held over the horizon
        window = past  # (B, L, F)
        predictions = []
        for t in range(self.horizon):
            summary = self.encoder.summary(window, lengths)  # -> (B, D*H)
            y_t = self._transform(self.head(torch.cat([summary, future[:, t]], dim=1)))  # (B, O)
            predictions.append(y_t)
            row = torch.cat([y_t[:, fb : fb + 1], future[:, t], extras], dim=1)  # -> (B, F)
            window = torch.cat([window[:, 1:], row[:, None]], dim=1)  # -> (B, L, F)
            if lengths is not None:
                lengths = (lengths + 1).clamp(max=lookback)  # (B,)
        return torch.stack(predictions, dim=1)  # -> (B, T, O)

    def _bridge(self, states, bridges):
        """Map the encoder's (layers*D, B, H) final states to the decoder's (layers, B, H)."""
        # Shapes: B batch, H hidden, D directions.
        if bridges is None:
            return states  # (layers, B, H), D = 1
        layers, batch = self.num_layers, states.shape[1]
        per_layer = states.view(layers, 2, batch, -1).transpose(1, 2)  # -> (layers, B, 2, H)
        per_layer = per_layer.reshape(layers, batch, -1)  # -> (layers, B, 2H)
        return torch.stack([bridge(s) for bridge, s in zip(bridges, per_layer, strict=True)])

    def _forward_seq2seq(self, past, future, lengths):
        # Shapes as in forward.
        batch, horizon = past.shape[0], self.horizon
        h_n, c_n = self.encoder(past, lengths)  # -> (layers*D, B, H) each
        state = self._bridge(h_n, self.bridge_h)  # -> (layers, B, H)
        if self.encoder.has_cell_state:
            state = (state, self._bridge(c_n, self.bridge_c))  # -> 2 x (layers, B, H)
        position = torch.arange(1, horizon + 1, device=past.device, dtype=past.dtype) / horizon
        position = position.view(1, horizon, 1).expand(batch, -1, -1)  # -> (B, T, 1)
        decoder_input = torch.cat([future, position], dim=2)  # -> (B, T, K+1)
        output, _, _ = self.decoder.run(decoder_input, state=state)  # -> (B, T, H)
        return self.head(output)  # -> (B, T, O)
