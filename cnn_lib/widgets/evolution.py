"""``KernelSnapshots`` (a ``fit`` callback) and ``kernel_evolution_explorer``.

Shown in the explorer gallery; chapter 13 replays the same kernels, with the
curves and the confusion matrix, in :func:`.training_run.training_run_explorer`.
"""

from __future__ import annotations

import numpy as np

from cnn_lib.widgets import markup
from cnn_lib.widgets.controls import choice, slider
from cnn_lib.widgets.explorer import Explorer, View

TABLE_LIMIT = 300  # print the values when the kernels have at most this many weights in all


class KernelSnapshots:
    """A ``fit`` callback that keeps a copy of a conv layer's weights after every epoch.

    Parameters
    ----------
    layer : Conv2d
        Any module with a 4-D ``weight`` parameter ``(C_out, C_in, kH, kW)``.

    Attributes
    ----------
    snapshots : list of ndarray
        ``snapshots[0]`` is the weight when the callback was created (before
        training), ``snapshots[e]`` the weight after epoch ``e``.

    Examples
    --------
    >>> from cnn_lib.layers.conv import Conv2d
    >>> snaps = KernelSnapshots(Conv2d(1, 2, 3, rng=0))
    >>> snaps.on_epoch_end(0, {})
    >>> len(snaps.snapshots)
    2
    """

    def __init__(self, layer):
        weight = getattr(getattr(layer, "weight", None), "data", None)
        if weight is None or np.ndim(weight) != 4:
            raise ValueError(
                "KernelSnapshots needs a convolution layer with a 4-D weight "
                f"(C_out, C_in, kH, kW), got {layer!r}"
            )
        self.layer = layer
        self.snapshots = [weight.copy()]

    def on_epoch_end(self, epoch, logs):
        self.snapshots.append(self.layer.weight.data.copy())

    def __repr__(self) -> str:
        return f"KernelSnapshots({len(self.snapshots)} snapshots of {self.layer!r})"


def _kernels_view(weights, channel, limit, title) -> str:
    """All output channels' kernels for one input channel on a common colour scale."""
    kernels = weights[:, channel]
    if kernels.size <= TABLE_LIMIT:  # small enough to print every weight
        tables = [
            markup.heatmap_table(k, limit=limit, fmt="{:.2f}", title=f"w[{i}, {channel}]")
            for i, k in enumerate(kernels)
        ]
        return f'<div class="cnn-row">{"".join(tables)}</div>' + markup.note(title)
    cols = int(np.ceil(np.sqrt(len(kernels))))
    picture = markup.mosaic(kernels, cols, signed=True, limit=limit)
    return markup.img(picture, size=320, title=title)


def kernel_evolution_explorer(snapshots):
    """An epoch slider over kernel snapshots: watch the first layer's filters learn.

    Parameters
    ----------
    snapshots : KernelSnapshots or sequence of ndarray
        Weights ``(C_out, C_in, kH, kW)``, the first before training.

    Returns
    -------
    Explorer
        Colours are centred at zero on one scale for all epochs (blue < 0 < red),
        so growing weights look stronger. ``explorer.results["weights"]`` is the
        snapshot shown.

    Examples
    --------
    >>> ex = kernel_evolution_explorer([np.zeros((2, 1, 3, 3)), np.ones((2, 1, 3, 3))])
    >>> ex.set(epoch=1)
    >>> float(ex.results["weights"].sum())
    18.0
    """
    snaps = getattr(snapshots, "snapshots", snapshots)
    snaps = [np.asarray(s, dtype=np.float64) for s in snaps]
    if not snaps or any(s.ndim != 4 or s.shape != snaps[0].shape for s in snaps):
        shapes = [s.shape for s in snaps]
        raise ValueError(f"snapshots must be 4-D weights of one shape, got shapes {shapes}")
    limit = markup.signed_limit(*snaps)
    epochs = len(snaps) - 1
    step = max(1, -(-epochs // 40))  # at most ~40 precomputed epochs for the book page
    shown = sorted(set(range(0, epochs + 1, step)) | {epochs})
    in_channels = snaps[0].shape[1]
    controls = [
        slider("epoch", 0, epochs, default=0, static=shown, label="after epoch"),
        choice(
            "channel",
            {f"input channel {c}": c for c in range(in_channels)},
            static=[f"input channel {c}" for c in range(min(in_channels, 3))],
        ),
    ]

    def compute(epoch, **_):
        return {"weights": snaps[epoch]}

    def show_kernels(epoch, channel):
        weights = snaps[epoch]
        when = "before training" if epoch == 0 else f"after epoch {epoch}"
        return _kernels_view(weights, channel, limit, f"{len(weights)} kernels {when}")

    def show_change(epoch, channel):
        change = np.abs(snaps[epoch] - snaps[0]).mean()
        return markup.note(
            f"mean |weight| {np.abs(snaps[epoch]).mean():.3f}; mean change since the start "
            f"{change:.3f}. Colour scale &plusmn;{limit:.2f} for every epoch."
        )

    views = [View("kernels", show_kernels), View("change", show_change)]
    return Explorer(
        "Kernel evolution during training",
        controls,
        views,
        layout=[["kernels"], ["change"]],
        visible=lambda **_: {"channel": in_channels > 1},  # one channel: nothing to choose
        compute=compute,
    )
