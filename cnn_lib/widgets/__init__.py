"""Interactive explorers for the book: live in Jupyter, precomputed sliders in the HTML book.

Each explorer is one call that returns an object to display::

    import cnn_lib as cl
    cl.widgets.kernel_explorer()          # last expression of a notebook cell

In Jupyter you get ipywidgets driven by Python; the built book shows the same
views precomputed over a grid of slider values (see :mod:`cnn_lib.widgets.static`).
Every displayable object is a :class:`Panel` (HTML for the book, a MIME bundle
for Jupyter). ``EXPLORERS`` names every panel a reader can display, each shown
once in the explorer gallery.
"""

from cnn_lib.widgets.activations import activation_explorer
from cnn_lib.widgets.arithmetic import conv_arithmetic_explorer
from cnn_lib.widgets.backprop import backprop_explorer
from cnn_lib.widgets.batchnorm import batchnorm_explorer
from cnn_lib.widgets.controls import Control, choice, slider
from cnn_lib.widgets.dropout import dropout_explorer
from cnn_lib.widgets.evolution import KernelSnapshots, kernel_evolution_explorer
from cnn_lib.widgets.explorer import Explorer, View
from cnn_lib.widgets.features import feature_map_explorer
from cnn_lib.widgets.kernels import KERNELS, kernel_explorer
from cnn_lib.widgets.monitor import TrainingMonitor, training_explorer
from cnn_lib.widgets.optimizer import optimizer_explorer
from cnn_lib.widgets.panel import Panel
from cnn_lib.widgets.playground import conv_playground, draw_and_convolve
from cnn_lib.widgets.pooling import pooling_explorer
from cnn_lib.widgets.softmax import softmax_explorer
from cnn_lib.widgets.training_run import ConfusionSnapshots, training_run_explorer

#: Every panel a reader can display, by the name that builds it (the gallery shows each once).
EXPLORERS = (
    "kernel_explorer",
    "draw_and_convolve",
    "conv_arithmetic_explorer",
    "conv_playground",
    "feature_map_explorer",
    "pooling_explorer",
    "activation_explorer",
    "softmax_explorer",
    "backprop_explorer",
    "dropout_explorer",
    "TrainingMonitor",  # after training it shows a training_explorer of the run
    "kernel_evolution_explorer",
    "training_run_explorer",
    "optimizer_explorer",
    "batchnorm_explorer",
)

__all__ = [
    "EXPLORERS",
    "KERNELS",
    "ConfusionSnapshots",
    "Control",
    "Explorer",
    "KernelSnapshots",
    "Panel",
    "TrainingMonitor",
    "View",
    "activation_explorer",
    "backprop_explorer",
    "batchnorm_explorer",
    "choice",
    "conv_arithmetic_explorer",
    "conv_playground",
    "draw_and_convolve",
    "dropout_explorer",
    "feature_map_explorer",
    "kernel_evolution_explorer",
    "kernel_explorer",
    "optimizer_explorer",
    "pooling_explorer",
    "slider",
    "softmax_explorer",
    "training_explorer",
    "training_run_explorer",
]
