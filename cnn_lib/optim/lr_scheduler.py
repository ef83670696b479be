"""Learning-rate schedules: change an optimizer's ``lr`` from epoch to epoch.

Taught in chapter 16, Beyond LeNet (book/16_beyond_lenet.ipynb); chapter 12,
Optimizers, introduces the learning rate they schedule. Same names, arguments and values
as ``torch.optim.lr_scheduler``: build the scheduler after the optimizer and
call ``scheduler.step()`` once per epoch, after the optimizer's steps
(``cnn_lib.fit(..., scheduler=...)`` does that for you).
"""

from __future__ import annotations

import math
import numbers


def _check(value, name, who, *, low=0.0, integer=False):
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind) or value < low:
        what = "an integer" if integer else "a number"
        raise ValueError(f"{who} {name} must be {what} >= {low:g}, got {value!r}")
    return value


class LRScheduler:
    """Base class: ``lr`` after ``last_epoch`` calls of ``step()`` is ``lr_at(last_epoch)``."""

    def __init__(self, optimizer):
        if not hasattr(optimizer, "lr"):
            raise ValueError(
                f"{type(self).__name__} needs an optimizer with an `lr` attribute "
                f"(e.g. cnn_lib.optim.SGD), got {type(optimizer).__name__}"
            )
        self.optimizer = optimizer
        self.base_lr = float(optimizer.lr)
        self.last_epoch = 0

    def lr_at(self, epoch: int) -> float:
        raise NotImplementedError

    def step(self) -> None:
        """Advance one epoch and set the optimizer's ``lr``."""
        self.last_epoch += 1
        self.optimizer.lr = self.lr_at(self.last_epoch)

    def get_last_lr(self) -> list[float]:
        """The current learning rate, as a one-element list (PyTorch has one per group)."""
        return [float(self.optimizer.lr)]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_lr={self.base_lr:g}, last_epoch={self.last_epoch})"


class StepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every ``step_size`` epochs.

    .. math:: \\eta_e = \\eta_0 \\, \\delta^{\\lfloor e / S \\rfloor}

    after ``e`` epochs, with the factor ``δ = gamma`` and the period
    ``S = step_size`` (the book writes ``δ``: ``γ`` is batch normalization's scale).

    Examples
    --------
    >>> from cnn_lib.layers.module import Parameter
    >>> from cnn_lib.optim import SGD
    >>> import numpy as np
    >>> opt = SGD([Parameter(np.zeros(1))], lr=1.0)
    >>> sched = StepLR(opt, step_size=2, gamma=0.5)
    >>> [round(opt.lr, 3) for _ in range(5) if sched.step() is None]
    [1.0, 0.5, 0.5, 0.25, 0.25]
    """

    def __init__(self, optimizer, step_size, gamma=0.1):
        super().__init__(optimizer)
        self.step_size = _check(step_size, "step_size", "StepLR", low=1, integer=True)
        self.gamma = float(_check(gamma, "gamma", "StepLR"))

    def lr_at(self, epoch: int) -> float:
        return self.base_lr * self.gamma ** (epoch // self.step_size)


class CosineAnnealingLR(LRScheduler):
    """Lower the learning rate along half a cosine, from ``lr`` to ``eta_min`` in ``T_max`` epochs.

    .. math::

        \\eta_e = \\eta_\\text{min}
            + \\tfrac12 (\\eta_0 - \\eta_\\text{min})(1 + \\cos(\\pi e / e_\\text{max}))

    after ``e`` epochs, with ``e_max = T_max`` and ``η_min = eta_min``.

    After ``T_max`` epochs the cosine goes on (the rate rises again), as in PyTorch.
    """

    def __init__(self, optimizer, T_max, eta_min=0.0):  # noqa: N803 - PyTorch's name
        super().__init__(optimizer)
        self.T_max = _check(T_max, "T_max", "CosineAnnealingLR", low=1, integer=True)
        self.eta_min = float(_check(eta_min, "eta_min", "CosineAnnealingLR"))

    def lr_at(self, epoch: int) -> float:
        cosine = (1 + math.cos(math.pi * epoch / self.T_max)) / 2
        return self.eta_min + (self.base_lr - self.eta_min) * cosine
