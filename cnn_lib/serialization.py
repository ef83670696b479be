"""Save and load a model's weights as a NumPy ``.npz`` file.

Only the arrays of ``model.state_dict()`` are stored (never pickled Python
objects), so a saved file is safe to open: ``load`` reads it with
``allow_pickle=False``. To load, first build the same architecture, then fill
in its weights.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np


def save(model, path) -> Path:
    """Write ``model.state_dict()`` to ``path`` (``.npz`` is appended if missing).

    Parameters
    ----------
    model : Module
    path : str or os.PathLike

    Returns
    -------
    pathlib.Path
        The file written.

    Examples
    --------
    >>> import tempfile
    >>> from cnn_lib.layers.linear import Linear
    >>> folder = tempfile.mkdtemp()
    >>> save(Linear(2, 3, rng=0), Path(folder) / "model").name
    'model.npz'
    """
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    np.savez(path, **model.state_dict())
    return path


def load(model, path):
    """Fill ``model``'s parameters from a file written by ``save``; returns ``model``.

    Raises
    ------
    FileNotFoundError
        If neither ``path`` nor ``path + ".npz"`` exists.
    ValueError
        If the file is not an ``.npz`` of arrays, or an entry is missing,
        unexpected or has the wrong shape (the message names it).

    Examples
    --------
    >>> import tempfile
    >>> from cnn_lib.layers.linear import Linear
    >>> file = save(Linear(2, 3, rng=0), Path(tempfile.mkdtemp()) / "model")
    >>> model = load(Linear(2, 3, rng=1), file)
    >>> bool(np.array_equal(model.weight.data, Linear(2, 3, rng=0).weight.data))
    True
    """
    path = Path(path)
    if not path.is_file():
        with_suffix = path.with_name(path.name + ".npz")
        if not with_suffix.is_file():
            raise FileNotFoundError(
                f"no saved model at {str(path)!r} (nor {str(with_suffix)!r}); "
                "write one with cnn_lib.save(model, path)"
            )
        path = with_suffix
    problem = f"{str(path)!r} is not an .npz file of arrays written by cnn_lib.save"
    try:
        data = np.load(path, allow_pickle=False)
    except (OSError, ValueError, zipfile.BadZipFile) as err:
        raise ValueError(f"{problem}: {err}") from err
    if not isinstance(data, np.lib.npyio.NpzFile):  # e.g. a single .npy array
        raise ValueError(f"{problem}: it holds a single {type(data).__name__}")
    with data:
        try:
            state = {name: data[name] for name in data.files}
        except ValueError as err:  # e.g. an object array, which would need pickle
            raise ValueError(f"{problem}: {err}") from err
    model.load_state_dict(state)
    return model
