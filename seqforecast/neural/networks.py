"""Forecasting heads over any encoder, as plain ``torch.nn.Module``\\ s.

:class:`ForecastNetwork` reads a window with an encoder (recurrent or
Transformer, :mod:`seqforecast.neural.encoders`) and produces the horizon
with one of three strategies: multi-output, recursive, or an encoder-decoder,
optionally with attention over the encoder's steps (:class:`LuongAttention`).
Modules take integer arguments only and work on tensors; the training loop
and the data contract live in the layers above.
"""

from __future__ import annotations

import math
from numbers import Integral

import torch
from torch import nn

from seqforecast._checks import POSITIVE_INT, Interval, StrOptions, check_params
from seqforecast.neural.encoders import RecurrentEncoder, make_encoder, recurrent

__all__ = [
    "OUTPUT_TRANSFORMS", "STRATEGIES", "ForecastNetwork", "LuongAttention", "RecurrentEncoder",
]

STRATEGIES = ("mimo", "recursive", "seq2seq")
OUTPUT_TRANSFORMS = (None, "monotone", "gaussian")
# softplus(_GAP_OFFSET) = 0.05: the initial gap between adjacent quantiles.
_GAP_OFFSET = math.log(math.expm1(0.05))
_CONSTRAINTS = {
    **{k: v for k, v in recurrent.CONSTRAINTS.items() if k != "input_size"},
    "n_past_features": POSITIVE_INT,
    "n_future_features": [Interval(Integral, 0, None, closed="left")],
    "horizon": POSITIVE_INT,
    "strategy": [StrOptions(set(STRATEGIES))],
    "n_outputs": POSITIVE_INT,
    "feedback_output": [Interval(Integral, 0, None, closed="left"), None],
    "output_transform": [StrOptions({"monotone", "gaussian"}), None],
    "encoder": [str, type],
    "attention": ["boolean"],
    "n_heads": POSITIVE_INT,
}


class LuongAttention(nn.Module):
    """Global attention with the "general" score (Luong, Pham & Manning, 2015).

    For decoder states ``h_t`` (B, T, H) and encoder outputs ``e_s``
    (B, L, S): scores ``h_t^T W_a e_s``, weights the softmax of the scores
    over the real steps s, context ``c_t = sum_s a_ts e_s``, and the
    attentional state ``tanh(W_c [c_t; h_t])`` (B, T, H), which the output
    layer reads.

    Parameters
    ----------
    query_size : int
        H, the decoder's width.
    key_size : int
        S, the encoder's width.

    Attributes
    ----------
    score : torch.nn.Linear
        W_a, H -> S, no bias.
    combine : torch.nn.Linear
        W_c, S + H -> H, no bias.
    """

    def __init__(self, query_size, key_size):
        super().__init__()
        self.score = nn.Linear(query_size, key_size, bias=False)
        self.combine = nn.Linear(key_size + query_size, query_size, bias=False)

    def forward(self, query, keys, valid=None):
        """Attentional states (B, T, H) and attention weights (B, T, L).

        ``valid`` (B, L) marks the real steps of ``keys`` (None: all); the
        last step of a right-aligned window is always real.
        """
        # Shapes: B batch, T decoder steps, L encoder steps, H decoder width, S encoder width.
        scores = self.score(query) @ keys.transpose(1, 2)  # -> (B, T, L)
        if valid is not None:
            scores = scores.masked_fill(~valid[:, None, :], float("-inf"))
        weights = torch.softmax(scores, dim=-1)  # -> (B, T, L)
        context = weights @ keys  # -> (B, T, S)
        return torch.tanh(self.combine(torch.cat([context, query], dim=-1))), weights


class ForecastNetwork(nn.Module):
    """Forecasting network: an encoder and a multi-step head.

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
        real length of each window (see :mod:`seqforecast.neural.encoders`).

    Strategies:

    ``"mimo"`` (multi-input multi-output)
        the encoder's summary of the window (S values: the last layer's final
        hidden state of both directions, D*H, for the recurrent encoder) and
        the flattened future covariates (T*K) -> one Linear -> T*O values.
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
        a unidirectional recurrent decoder of the same cell and depth,
        started from the encoder's per-layer final states (when their width
        S is not H, as for a bidirectional encoder, one Linear per layer maps
        S to H, for h and for c; an encoder without cell state starts an
        LSTM decoder's c at 0), reads at step t ``[future[:, t], (t + 1) / T]``
        (the position feature gives it an input when K = 0); a Linear maps
        each decoder output to O values. With ``attention=True`` each decoder
        output first attends over the encoder's outputs at every real past
        step (:class:`LuongAttention`) and the Linear reads the attentional
        state.

    Parameters
    ----------
    cell : {"rnn", "lstm", "gru", "peephole", "coupled"}
        The recurrent cell (of the recurrent encoder, and of the decoder).
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
    encoder : str or class, default="recurrent"
        A name in :data:`seqforecast.neural.encoders.ENCODERS`
        ("recurrent", "transformer") or an encoder class; it receives the
        options above that its constructor names.
    attention : bool, default=False
        With ``strategy="seq2seq"``: the decoder attends over the encoder's
        steps (see above).
    n_heads : int, default=4
        Attention heads of the Transformer encoder (a divisor of ``hidden_size``).

    Attributes
    ----------
    encoder : torch.nn.Module
        Encoder over ``past`` (:class:`RecurrentEncoder` by default).
    decoder : RecurrentEncoder
        Decoder (seq2seq only).
    bridge_h, bridge_c : torch.nn.ModuleList of torch.nn.Linear or None
        State bridges (seq2seq when the encoder's width is not ``hidden_size``,
        as for a bidirectional encoder; bridge_c only when both encoder and
        decoder have a cell state).
    attention : LuongAttention or None
        Attention over the encoder's steps (seq2seq with ``attention=True``).
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
        encoder="recurrent",
        attention=False,
        n_heads=4,
    ):
        super().__init__()
        check_params(type(self).__name__, {
            "cell": cell, "n_past_features": n_past_features,
            "n_future_features": n_future_features, "horizon": horizon,
            "hidden_size": hidden_size, "num_layers": num_layers, "dropout": dropout,
            "bidirectional": bidirectional, "strategy": strategy, "n_outputs": n_outputs,
            "feedback_output": feedback_output, "init": init, "fused": fused,
            "output_transform": output_transform, "encoder": encoder, "attention": attention,
            "n_heads": n_heads,
        }, _CONSTRAINTS)
        if output_transform == "gaussian" and n_outputs != 2:
            raise ValueError(
                f"output_transform='gaussian' needs n_outputs=2 (mean, scale), got {n_outputs}."
            )
        if n_past_features < 1 + n_future_features:
            raise ValueError(
                f"n_past_features must be at least 1 + n_future_features = "
                f"{1 + n_future_features} (the target and the covariates' past values), "
                f"got {n_past_features}."
            )
        if feedback_output is None:
            feedback_output = n_outputs // 2
        elif feedback_output >= n_outputs:
            raise ValueError(
                f"feedback_output must be None or an int in [0, n_outputs={n_outputs}), "
                f"got {feedback_output!r}."
            )
        if attention and strategy != "seq2seq":
            raise ValueError(
                "attention=True needs strategy='seq2seq' (a decoder that attends over the "
                f"encoder's steps); got strategy={strategy!r}."
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
        self.encoder = make_encoder(
            encoder, input_size=n_past_features, hidden_size=hidden_size,
            num_layers=num_layers, dropout=dropout, cell=cell, bidirectional=bidirectional,
            init=init, fused=fused, n_heads=n_heads,
        )
        summary_size = self.encoder.output_size
        self.attention = None
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
            if summary_size != hidden_size:
                self.bridge_h = nn.ModuleList(
                    nn.Linear(summary_size, hidden_size) for _ in range(num_layers)
                )
                if self.decoder.has_cell_state and getattr(self.encoder, "has_cell_state", False):
                    self.bridge_c = nn.ModuleList(
                        nn.Linear(summary_size, hidden_size) for _ in range(num_layers)
                    )
            if attention:
                self.attention = LuongAttention(hidden_size, summary_size)
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
        if future.shape[2]:
            covariates = future.reshape(batch, -1)  # -> (B, T*K)
            summary = torch.cat([summary, covariates], dim=1)  # -> (B, D*H + T*K)
        out = self.head(summary)  # -> (B, T*O)
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
        """Map the encoder's (layers, B, S) final states to the decoder's (layers, B, H)."""
        # Shapes: B batch, H hidden, S encoder width.
        if states.shape[0] != self.num_layers:
            states = states[-1:].expand(self.num_layers, -1, -1)  # the last layer's, for each
        if bridges is None:
            return states  # S = H
        return torch.stack([bridge(s) for bridge, s in zip(bridges, states, strict=True)])

    def _forward_seq2seq(self, past, future, lengths):
        # Shapes as in forward; S encoder width.
        batch, horizon = past.shape[0], self.horizon
        encoded = self.encoder.encode(past, lengths, need_output=self.attention is not None)
        state = self._bridge(encoded.h, self.bridge_h)  # -> (layers, B, H)
        if self.decoder.has_cell_state:
            if encoded.c is None:  # an encoder without cell state: the decoder's starts at 0
                cell_state = torch.zeros_like(state)
            else:
                cell_state = self._bridge(encoded.c, self.bridge_c)
            state = (state, cell_state)  # -> 2 x (layers, B, H)
        position = torch.arange(1, horizon + 1, device=past.device, dtype=past.dtype) / horizon
        position = position.view(1, horizon, 1).expand(batch, -1, -1)  # -> (B, T, 1)
        decoder_input = torch.cat([future, position], dim=2)  # -> (B, T, K+1)
        output, _, _ = self.decoder.run(decoder_input, state=state)  # -> (B, T, H)
        if self.attention is not None:
            output, _ = self.attention(output, encoded.outputs, encoded.valid)  # -> (B, T, H)
        return self.head(output)  # -> (B, T, O)
