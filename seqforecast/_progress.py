"""Optional progress bars (tqdm, from the bench and dev extras)."""

from __future__ import annotations


class _NoBar:
    """Stands in for a tqdm bar when none is shown."""

    def update(self, n=1):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def progress_bar(total, *, desc, unit, verbose):
    """A tqdm bar of ``total`` ``unit``s, or a silent stand-in.

    Silent when not ``verbose`` or when tqdm is not installed. Use it as a
    context manager and call ``update(n)`` as work finishes.
    """
    if verbose:
        try:
            from tqdm.auto import tqdm
        except ImportError:  # tqdm is optional: no bar
            pass
        else:
            return tqdm(total=total, desc=desc, unit=unit)
    return _NoBar()
