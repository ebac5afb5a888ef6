"""Encoders: modules that read a window of past values into vectors.

:class:`~seqforecast.neural.networks.ForecastNetwork` takes an encoder by
name (``encoder="recurrent"``) or as a class; every output head
(multi-output, recursive, encoder-decoder with or without attention) works
over any encoder. Adding one is one file plus one line in
:data:`ENCODERS`. An encoder is a ``torch.nn.Module`` with

- a constructor that names what it needs among ``input_size``,
  ``hidden_size``, ``num_layers``, ``dropout``, ``cell``, ``bidirectional``,
  ``init``, ``fused`` and ``n_heads`` (the network passes those it names),
  and checks them;
- ``output_size``: the width S of its vectors;
- ``summary(x, lengths=None)``: (B, S), the window in one vector;
- ``encode(x, lengths=None, need_output=False)``: an :class:`Encoded`
  (summary, per-step outputs, the mask of real steps, per-layer final states).

Windows ``x`` (B, L, F) are right-aligned with ``lengths`` (B,) real steps
each (None when all are full); padding must never reach the result.
"""

from __future__ import annotations

import inspect

from seqforecast._checks import InvalidParameterError
from seqforecast.neural.encoders._base import Encoded
from seqforecast.neural.encoders.recurrent import RecurrentEncoder
from seqforecast.neural.encoders.transformer import TransformerEncoder

__all__ = [
    "ENCODERS", "Encoded", "RecurrentEncoder", "TransformerEncoder", "encoder_class",
    "make_encoder",
]

ENCODERS = {
    "recurrent": RecurrentEncoder,
    "transformer": TransformerEncoder,
}


def encoder_class(encoder):
    """The encoder class for a registered name, or ``encoder`` itself if it is a class."""
    if isinstance(encoder, str) and encoder in ENCODERS:
        return ENCODERS[encoder]
    if inspect.isclass(encoder) and hasattr(encoder, "encode") and hasattr(encoder, "summary"):
        return encoder
    raise InvalidParameterError(
        f"The 'encoder' parameter must be a str among {sorted(ENCODERS)} or an encoder "
        f"class (an nn.Module with summary and encode methods). Got {encoder!r} instead."
    )


def make_encoder(encoder, **options):
    """Build ``encoder`` with the options its constructor names (the others are dropped)."""
    cls = encoder_class(encoder)
    accepted = inspect.signature(cls.__init__).parameters
    return cls(**{k: v for k, v in options.items() if k in accepted})
