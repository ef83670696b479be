"""Interactive explorers for the book: live in Jupyter, precomputed sliders in the HTML book.

Each explorer is one call that returns an object to display::

    import cnn_lib as cl
    cl.widgets.kernel_explorer()          # last expression of a notebook cell

In Jupyter you get ipywidgets driven by Python; the built book shows the same
views precomputed over a grid of slider values (see :mod:`cnn_lib.widgets.static`).
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
from cnn_lib.widgets.playground import conv_playground, draw_and_convolve
from cnn_lib.widgets.pooling import pooling_explorer
from cnn_lib.widgets.softmax import softmax_explorer
from cnn_lib.widgets.training_run import ConfusionSnapshots, training_run_explorer

__all__ = [
    "KERNELS",
    "ConfusionSnapshots",
    "Control",
    "Explorer",
    "KernelSnapshots",
    "TrainingMonitor",
    "View",
    "activation_explorer",
    "backprop_explorer",
    "choice",
    "conv_arithmetic_explorer",
    "conv_playground",
    "draw_and_convolve",
    "dropout_explorer",
    "feature_map_explorer",
    "kernel_evolution_explorer",
    "kernel_explorer",
    "pooling_explorer",
    "slider",
    "softmax_explorer",
    "training_explorer",
    "training_run_explorer",
]
