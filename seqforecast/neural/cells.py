"""Recurrent cells written from their equations, and their initialisation.

Five cells are available by name (:data:`CELL_TYPES`):

``"rnn"``
    Elman network, ``h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)``.
``"lstm"``
    Long short-term memory (Hochreiter & Schmidhuber 1997, with the forget
    gate of Gers et al. 2000).
``"gru"``
    Gated recurrent unit in the form of Cho et al. (2014), reset gate applied
    *before* the recurrent matrix product (see :class:`GRUCell` for how it
    differs from ``torch.nn.GRU``).
``"peephole"``
    LSTM whose gates also see the cell state through diagonal weights
    (Gers & Schmidhuber 2000).
``"coupled"``
    Coupled input-forget gate LSTM (CIFG, Greff et al. 2017): ``i_t = 1 - f_t``,
    three gate blocks instead of four.

Every cell keeps torch's parameter layout: ``weight_ih`` of shape
(n_gates * hidden_size, input_size), ``weight_hh`` of shape
(n_gates * hidden_size, hidden_size) and two bias vectors ``bias_ih`` and
``bias_hh`` of length n_gates * hidden_size, gate blocks stacked along the
first axis. Every gate has a bias (the effective bias of a gate is
``bias_ih + bias_hh``; two vectors are kept, as torch does, so that weights
can be copied between these cells and ``torch.nn.RNNCell`` /
``torch.nn.LSTMCell`` / ``torch.nn.RNN`` / ``torch.nn.LSTM``).

A step is split in two so that sequence code can do the input half for all
timesteps in one matrix product: :meth:`project_input` computes
``W_ih x + b_ih`` (for one step or a whole sequence) and :meth:`step` does the
recurrent half. ``cell(x, state)`` does both, like torch's cells.

Two initialisation schemes (``init=``), applied by :func:`init_gate_weights_`
and, for torch's fused modules, :func:`init_fused_rnn_`:

``"xavier_orthogonal"`` (default)
    each gate block of ``weight_ih`` Xavier/Glorot uniform (fan-in
    input_size, fan-out hidden_size), each gate block of ``weight_hh``
    orthogonal, biases zero except the forget gate's (LSTM, peephole,
    coupled), whose total bias is 1 (``bias_ih`` = 1, ``bias_hh`` = 0) so
    the cell starts out remembering (Jozefowicz et al. 2015); peephole
    weights zero.
``"torch"``
    torch's default: every parameter uniform in
    ``[-1/sqrt(hidden_size), 1/sqrt(hidden_size)]``, peephole weights included.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from seqforecast._checks import POSITIVE_INT, StrOptions, check_params

__all__ = [
    "CELL_TYPES",
    "INIT_SCHEMES",
    "CoupledLSTMCell",
    "GRUCell",
    "LSTMCell",
    "PeepholeLSTMCell",
    "RNNCell",
    "init_fused_rnn_",
    "init_gate_weights_",
    "make_cell",
]

CELL_TYPES = ("rnn", "lstm", "gru", "peephole", "coupled")
INIT_SCHEMES = ("xavier_orthogonal", "torch")


_INIT = {"init": [StrOptions(set(INIT_SCHEMES))]}


def init_gate_weights_(
    weight_ih, weight_hh, biases, *, n_gates, forget_gate=None, init="xavier_orthogonal"
):
    """Initialise the gate weights of one recurrent layer in place.

    Parameters
    ----------
    weight_ih : torch.Tensor of shape (n_gates * hidden_size, input_size)
        Input weights, gate blocks stacked along the first axis.
    weight_hh : torch.Tensor of shape (n_gates * hidden_size, hidden_size)
        Recurrent weights, same block layout.
    biases : sequence of torch.Tensor of shape (n_gates * hidden_size,)
        Bias vectors (torch keeps two per layer, ``bias_ih`` and ``bias_hh``).
        With ``"xavier_orthogonal"`` the forget-gate block of the first one is
        set to 1 and everything else to 0, so the summed forget bias is 1.
    n_gates : int
        Number of gate blocks (1 for RNN, 3 for GRU and coupled LSTM, 4 for LSTM).
    forget_gate : int or None, default=None
        Index of the forget-gate block, or None when there is no forget gate.
    init : {"xavier_orthogonal", "torch"}, default="xavier_orthogonal"
        The scheme; see the module docstring.

    Examples
    --------
    >>> import torch
    >>> w_ih, w_hh, b = torch.empty(8, 3), torch.empty(8, 2), torch.empty(8)
    >>> init_gate_weights_(w_ih, w_hh, [b], n_gates=4, forget_gate=1)
    >>> b.tolist()
    [0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0]
    >>> block = w_hh[:2]
    >>> torch.allclose(block @ block.T, torch.eye(2), atol=1e-6)
    True
    """
    check_params("init_gate_weights_", {"init": init}, _INIT)
    hidden_size = weight_hh.shape[1]
    with torch.no_grad():
        if init == "torch":
            bound = 1.0 / math.sqrt(hidden_size)
            for tensor in (weight_ih, weight_hh, *biases):
                tensor.uniform_(-bound, bound)
            return
        # Per gate block: each gate is its own H-unit layer, so Xavier's fan-out
        # is H (not n_gates * H) and the recurrent map of each gate is orthogonal.
        for w_in, w_rec in zip(
            weight_ih.chunk(n_gates, 0), weight_hh.chunk(n_gates, 0), strict=True
        ):
            nn.init.xavier_uniform_(w_in)
            nn.init.orthogonal_(w_rec)
        for bias in biases:
            bias.zero_()
        if forget_gate is not None and len(biases) > 0:
            biases[0][forget_gate * hidden_size : (forget_gate + 1) * hidden_size] = 1.0


def init_fused_rnn_(module, init="xavier_orthogonal"):
    """Initialise a ``torch.nn.RNN``, ``LSTM`` or ``GRU`` in place.

    Applies :func:`init_gate_weights_` to every layer and direction, with the
    gate layout of torch (LSTM: i, f, g, o, forget gate at block 1; GRU: r, z, n).

    Parameters
    ----------
    module : torch.nn.RNN, torch.nn.LSTM or torch.nn.GRU
        The module to initialise (``proj_size`` is not supported).
    init : {"xavier_orthogonal", "torch"}, default="xavier_orthogonal"
        The scheme; see the module docstring.

    Examples
    --------
    >>> import torch
    >>> lstm = torch.nn.LSTM(3, 2, num_layers=2)
    >>> init_fused_rnn_(lstm)
    >>> (lstm.bias_ih_l1 + lstm.bias_hh_l1).tolist()
    [0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0]
    """
    check_params("init_fused_rnn_", {"init": init}, _INIT)
    if not isinstance(module, nn.RNN | nn.LSTM | nn.GRU):
        raise ValueError(
            f"module must be a torch.nn.RNN, LSTM or GRU, got {type(module).__name__}."
        )
    if init == "torch":
        module.reset_parameters()
        return
    n_gates = module.weight_ih_l0.shape[0] // module.hidden_size
    forget_gate = 1 if isinstance(module, nn.LSTM) else None
    suffixes = ["", "_reverse"] if module.bidirectional else [""]
    for layer in range(module.num_layers):
        for suffix in suffixes:
            name = f"l{layer}{suffix}"
            biases = []
            if module.bias:
                biases = [getattr(module, f"bias_{k}_{name}") for k in ("ih", "hh")]
            init_gate_weights_(
                getattr(module, f"weight_ih_{name}"),
                getattr(module, f"weight_hh_{name}"),
                biases,
                n_gates=n_gates,
                forget_gate=forget_gate,
                init=init,
            )


class _RecurrentCell(nn.Module):
    """Shared parameters and plumbing of the hand-written cells.

    Subclasses set ``n_gates``, ``has_cell_state``, ``forget_gate`` and
    implement :meth:`step`.
    """

    n_gates = 1
    has_cell_state = False
    forget_gate = None

    def __init__(self, input_size, hidden_size, *, init="xavier_orthogonal"):
        super().__init__()
        check_params(
            type(self).__name__,
            {"input_size": input_size, "hidden_size": hidden_size, "init": init},
            {"input_size": POSITIVE_INT, "hidden_size": POSITIVE_INT, **_INIT},
        )
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.init = init
        n_rows = self.n_gates * hidden_size
        self.weight_ih = nn.Parameter(torch.empty(n_rows, input_size))
        self.weight_hh = nn.Parameter(torch.empty(n_rows, hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(n_rows))
        self.bias_hh = nn.Parameter(torch.empty(n_rows))
        self._init_extra_parameters()
        self.reset_parameters()

    def _init_extra_parameters(self):
        """Hook for cells with more parameters than the gate matrices."""

    def reset_parameters(self):
        """Re-initialise all parameters with the scheme given by ``init``."""
        init_gate_weights_(
            self.weight_ih,
            self.weight_hh,
            [self.bias_ih, self.bias_hh],
            n_gates=self.n_gates,
            forget_gate=self.forget_gate,
            init=self.init,
        )

    def extra_repr(self):
        return f"{self.input_size}, {self.hidden_size}, init={self.init!r}"

    def project_input(self, x):
        """Input half of the gates, ``W_ih x + b_ih``.

        Parameters
        ----------
        x : torch.Tensor of shape (..., input_size)
            One step (B, F) or a whole sequence (B, L, F).

        Returns
        -------
        torch.Tensor of shape (..., n_gates * hidden_size)
        """
        return F.linear(x, self.weight_ih, self.bias_ih)

    def initial_state(self, batch_size, *, device=None, dtype=None):
        """Zero state: ``h`` of shape (B, H), or ``(h, c)`` for LSTM-type cells."""
        h = torch.zeros(batch_size, self.hidden_size, device=device, dtype=dtype)
        return (h, torch.zeros_like(h)) if self.has_cell_state else h

    def step(self, x_proj, state):  # pragma: no cover - abstract
        """One recurrent step from the projected input; returns the new state."""
        raise NotImplementedError

    def forward(self, x, state=None):
        """One step of the cell.

        Parameters
        ----------
        x : torch.Tensor of shape (B, input_size)
            The input at this step.
        state : torch.Tensor or tuple of torch.Tensor, default=None
            ``h`` of shape (B, H), or ``(h, c)`` for LSTM-type cells; zeros when None.

        Returns
        -------
        torch.Tensor or tuple of torch.Tensor
            The new state, in the same form as ``state`` (torch's cell convention).
        """
        # Shapes: B batch, F input features, G gate blocks, H hidden.
        if x.ndim != 2 or x.shape[1] != self.input_size:
            raise ValueError(
                f"x must have shape (batch, input_size={self.input_size}), "
                f"got {tuple(x.shape)}."
            )
        if state is None:
            state = self.initial_state(x.shape[0], device=x.device, dtype=x.dtype)
        x_proj = self.project_input(x)  # -> (B, G*H)
        return self.step(x_proj, state)  # -> (B, H) or ((B, H), (B, H))


class RNNCell(_RecurrentCell):
    """Elman recurrent cell, ``h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)``.

    Same parameters and result as ``torch.nn.RNNCell(nonlinearity="tanh")``.

    Parameters
    ----------
    input_size : int
        Number of input features F.
    hidden_size : int
        Number of hidden units H.
    init : {"xavier_orthogonal", "torch"}, default="xavier_orthogonal"
        Initialisation scheme (see :mod:`seqforecast.neural.cells`).

    Attributes
    ----------
    weight_ih : torch.nn.Parameter of shape (H, F)
    weight_hh : torch.nn.Parameter of shape (H, H)
    bias_ih, bias_hh : torch.nn.Parameter of shape (H,)

    Examples
    --------
    >>> import torch
    >>> cell = RNNCell(3, 4)
    >>> cell(torch.zeros(2, 3)).shape
    torch.Size([2, 4])
    """

    def step(self, x_proj, state):
        # Shapes: B batch, H hidden.
        h = state  # (B, H)
        return torch.tanh(x_proj + F.linear(h, self.weight_hh, self.bias_hh))  # -> (B, H)


class LSTMCell(_RecurrentCell):
    """Long short-term memory cell.

    ::

        i_t = σ(W_i [h_{t-1}, x_t] + b_i)
        f_t = σ(W_f [h_{t-1}, x_t] + b_f)
        C̃_t = tanh(W_C [h_{t-1}, x_t] + b_C)
        C_t = f_t ⊙ C_{t-1} + i_t ⊙ C̃_t
        o_t = σ(W_o [h_{t-1}, x_t] + b_o)
        h_t = o_t ⊙ tanh(C_t)

    Gate blocks in torch's order i, f, g (= C̃), o; same parameters and result
    as ``torch.nn.LSTMCell``. Parameters: 4 (H F + H H + 2 H).

    Parameters
    ----------
    input_size : int
        Number of input features F.
    hidden_size : int
        Number of hidden units H.
    init : {"xavier_orthogonal", "torch"}, default="xavier_orthogonal"
        Initialisation scheme; the default sets the forget bias to 1.

    Attributes
    ----------
    weight_ih : torch.nn.Parameter of shape (4H, F)
    weight_hh : torch.nn.Parameter of shape (4H, H)
    bias_ih, bias_hh : torch.nn.Parameter of shape (4H,)

    Examples
    --------
    >>> import torch
    >>> cell = LSTMCell(3, 4)
    >>> h, c = cell(torch.zeros(2, 3))
    >>> h.shape, c.shape
    (torch.Size([2, 4]), torch.Size([2, 4]))
    """

    n_gates = 4
    has_cell_state = True
    forget_gate = 1

    def step(self, x_proj, state):
        # Shapes: B batch, H hidden.
        h, c = state  # (B, H), (B, H)
        gates = x_proj + F.linear(h, self.weight_hh, self.bias_hh)  # -> (B, 4H)
        i, f, g, o = gates.chunk(4, 1)  # -> 4 x (B, H)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)  # -> (B, H)
        h = torch.sigmoid(o) * torch.tanh(c)  # -> (B, H)
        return h, c


class PeepholeLSTMCell(_RecurrentCell):
    """LSTM cell with peephole connections (Gers & Schmidhuber 2000).

    As :class:`LSTMCell`, but the input and forget gates also see the previous
    cell state and the output gate sees the new one, through diagonal weights::

        i_t = σ(W_i [h_{t-1}, x_t] + p_i ⊙ C_{t-1} + b_i)
        f_t = σ(W_f [h_{t-1}, x_t] + p_f ⊙ C_{t-1} + b_f)
        C_t = f_t ⊙ C_{t-1} + i_t ⊙ tanh(W_C [h_{t-1}, x_t] + b_C)
        o_t = σ(W_o [h_{t-1}, x_t] + p_o ⊙ C_t + b_o)
        h_t = o_t ⊙ tanh(C_t)

    Parameters: those of :class:`LSTMCell` plus 3 H.

    Parameters
    ----------
    input_size : int
        Number of input features F.
    hidden_size : int
        Number of hidden units H.
    init : {"xavier_orthogonal", "torch"}, default="xavier_orthogonal"
        Initialisation scheme; the default sets the forget bias to 1 and the
        peephole weights to 0 (the cell starts as a plain LSTM).

    Attributes
    ----------
    weight_ih : torch.nn.Parameter of shape (4H, F)
    weight_hh : torch.nn.Parameter of shape (4H, H)
    bias_ih, bias_hh : torch.nn.Parameter of shape (4H,)
    weight_ci, weight_cf, weight_co : torch.nn.Parameter of shape (H,)
        Peephole weights p_i, p_f, p_o.

    Examples
    --------
    >>> import torch
    >>> cell = PeepholeLSTMCell(3, 4)
    >>> h, c = cell(torch.zeros(2, 3))
    >>> h.shape
    torch.Size([2, 4])
    """

    n_gates = 4
    has_cell_state = True
    forget_gate = 1

    def _init_extra_parameters(self):
        self.weight_ci = nn.Parameter(torch.empty(self.hidden_size))
        self.weight_cf = nn.Parameter(torch.empty(self.hidden_size))
        self.weight_co = nn.Parameter(torch.empty(self.hidden_size))

    def reset_parameters(self):
        super().reset_parameters()
        bound = 1.0 / math.sqrt(self.hidden_size)
        with torch.no_grad():
            for weight in (self.weight_ci, self.weight_cf, self.weight_co):
                if self.init == "torch":
                    weight.uniform_(-bound, bound)
                else:
                    weight.zero_()

    def step(self, x_proj, state):
        # Shapes: B batch, H hidden.
        h, c_prev = state  # (B, H), (B, H)
        gates = x_proj + F.linear(h, self.weight_hh, self.bias_hh)  # -> (B, 4H)
        i, f, g, o = gates.chunk(4, 1)  # -> 4 x (B, H)
        i = torch.sigmoid(i + self.weight_ci * c_prev)  # -> (B, H)
        f = torch.sigmoid(f + self.weight_cf * c_prev)  # -> (B, H)
        c = f * c_prev + i * torch.tanh(g)  # -> (B, H)
        o = torch.sigmoid(o + self.weight_co * c)  # -> (B, H)
        return o * torch.tanh(c), c


class CoupledLSTMCell(_RecurrentCell):
    """Coupled input-forget gate LSTM cell (CIFG).

    The input gate is tied to the forget gate, ``i_t = 1 - f_t``, so what is
    written is exactly what is forgotten::

        f_t = σ(W_f [h_{t-1}, x_t] + b_f)
        C_t = f_t ⊙ C_{t-1} + (1 - f_t) ⊙ tanh(W_C [h_{t-1}, x_t] + b_C)
        o_t = σ(W_o [h_{t-1}, x_t] + b_o)
        h_t = o_t ⊙ tanh(C_t)

    Three gate blocks in the order f, g (= C̃), o: 3 (H F + H H + 2 H)
    parameters, a quarter fewer than :class:`LSTMCell`.

    Parameters
    ----------
    input_size : int
        Number of input features F.
    hidden_size : int
        Number of hidden units H.
    init : {"xavier_orthogonal", "torch"}, default="xavier_orthogonal"
        Initialisation scheme; the default sets the forget bias to 1.

    Attributes
    ----------
    weight_ih : torch.nn.Parameter of shape (3H, F)
    weight_hh : torch.nn.Parameter of shape (3H, H)
    bias_ih, bias_hh : torch.nn.Parameter of shape (3H,)

    Examples
    --------
    >>> import torch
    >>> cell = CoupledLSTMCell(3, 4)
    >>> sum(p.numel() for p in cell.parameters())  # 3 * (4*3 + 4*4 + 2*4)
    108
    """

    n_gates = 3
    has_cell_state = True
    forget_gate = 0

    def step(self, x_proj, state):
        # Shapes: B batch, H hidden.
        h, c = state  # (B, H), (B, H)
        gates = x_proj + F.linear(h, self.weight_hh, self.bias_hh)  # -> (B, 3H)
        f, g, o = gates.chunk(3, 1)  # -> 3 x (B, H)
        f = torch.sigmoid(f)
        c = f * c + (1.0 - f) * torch.tanh(g)  # -> (B, H)
        h = torch.sigmoid(o) * torch.tanh(c)  # -> (B, H)
        return h, c


class GRUCell(_RecurrentCell):
    """Gated recurrent unit in Cho et al.'s (2014) reset-before-product form.

    ::

        r_t = σ(W_r [h_{t-1}, x_t] + b_r)
        z_t = σ(W_z [h_{t-1}, x_t] + b_z)
        h̃_t = tanh(W [r_t ⊙ h_{t-1}, x_t] + b)
        h_t = (1 - z_t) ⊙ h_{t-1} + z_t ⊙ h̃_t

    Every gate has a bias (stored as ``bias_ih + bias_hh`` like torch, so the
    parameter count, 3 (H F + H H + 2 H), equals ``torch.nn.GRUCell``'s).
    Gate blocks in torch's order r, z, n (= h̃).

    This is **not** the function computed by ``torch.nn.GRU`` / ``GRUCell``
    with the same weights. Torch applies the reset gate *after* the recurrent
    product, ``n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))``, and lets ``z``
    weight the *old* state, ``h' = (1 - z) ⊙ n + z ⊙ h``. Both are GRUs of the
    same capacity; the fused path of
    :class:`~seqforecast.neural.networks.RecurrentEncoder` for ``cell="gru"``
    is torch's form, the hand-written path (``fused=False``) is this one.

    Parameters
    ----------
    input_size : int
        Number of input features F.
    hidden_size : int
        Number of hidden units H.
    init : {"xavier_orthogonal", "torch"}, default="xavier_orthogonal"
        Initialisation scheme (all biases zero by default).

    Attributes
    ----------
    weight_ih : torch.nn.Parameter of shape (3H, F)
    weight_hh : torch.nn.Parameter of shape (3H, H)
    bias_ih, bias_hh : torch.nn.Parameter of shape (3H,)

    Examples
    --------
    >>> import torch
    >>> cell = GRUCell(3, 4)
    >>> cell(torch.zeros(2, 3)).shape
    torch.Size([2, 4])
    """

    n_gates = 3

    def step(self, x_proj, state):
        # Shapes: B batch, H hidden.
        h = state  # (B, H)
        n_rz = 2 * self.hidden_size
        x_r, x_z, x_n = x_proj.chunk(3, 1)  # -> 3 x (B, H)
        h_rz = F.linear(h, self.weight_hh[:n_rz], self.bias_hh[:n_rz])  # -> (B, 2H)
        h_r, h_z = h_rz.chunk(2, 1)  # -> 2 x (B, H)
        r = torch.sigmoid(x_r + h_r)  # -> (B, H)
        z = torch.sigmoid(x_z + h_z)  # -> (B, H)
        # Reset before the product: the candidate sees r ⊙ h, not r ⊙ (W h).
        h_n = F.linear(r * h, self.weight_hh[n_rz:], self.bias_hh[n_rz:])  # -> (B, H)
        candidate = torch.tanh(x_n + h_n)  # -> (B, H)
        return (1.0 - z) * h + z * candidate  # -> (B, H)


_CELL_CLASSES = {
    "rnn": RNNCell,
    "lstm": LSTMCell,
    "gru": GRUCell,
    "peephole": PeepholeLSTMCell,
    "coupled": CoupledLSTMCell,
}


def make_cell(cell, input_size, hidden_size, *, init="xavier_orthogonal"):
    """Build a hand-written cell by name.

    Parameters
    ----------
    cell : {"rnn", "lstm", "gru", "peephole", "coupled"}
        The cell type.
    input_size : int
        Number of input features.
    hidden_size : int
        Number of hidden units.
    init : {"xavier_orthogonal", "torch"}, default="xavier_orthogonal"
        Initialisation scheme.

    Returns
    -------
    RNNCell, LSTMCell, GRUCell, PeepholeLSTMCell or CoupledLSTMCell

    Examples
    --------
    >>> make_cell("peephole", 3, 4)
    PeepholeLSTMCell(3, 4, init='xavier_orthogonal')
    """
    check_params("make_cell", {"cell": cell}, {"cell": [StrOptions(set(CELL_TYPES))]})
    return _CELL_CLASSES[cell](input_size, hidden_size, init=init)
