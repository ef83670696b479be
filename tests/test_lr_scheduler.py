"""Learning-rate schedules equal torch's, and refuse bad arguments."""

from __future__ import annotations

import math

import numpy as np
import pytest

import cnn_lib as cl
from cnn_lib.optim.lr_scheduler import CosineAnnealingLR, StepLR


def _opt(lr=0.1):
    return cl.optim.SGD([cl.Parameter(np.zeros(2))], lr=lr, momentum=0.9)


def _lrs(scheduler, epochs):
    out = [scheduler.get_last_lr()[0]]
    for _ in range(epochs):
        scheduler.step()
        out.append(scheduler.get_last_lr()[0])
    return out


def test_step_and_cosine_by_hand():
    assert _lrs(StepLR(_opt(1.0), step_size=2, gamma=0.5), 4) == [1, 1, 0.5, 0.5, 0.25]
    cos = _lrs(CosineAnnealingLR(_opt(1.0), T_max=4, eta_min=0.2), 4)
    want = [0.2 + 0.8 * (1 + math.cos(math.pi * t / 4)) / 2 for t in range(5)]
    assert np.allclose(cos, want) and cos[-1] == pytest.approx(0.2)


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (lambda o: StepLR(o, 3, gamma=0.3), lambda t, o: t.optim.lr_scheduler.StepLR(o, 3, 0.3)),
        (
            lambda o: CosineAnnealingLR(o, 5, eta_min=0.01),
            lambda t, o: t.optim.lr_scheduler.CosineAnnealingLR(o, 5, eta_min=0.01),
        ),
    ],
)
def test_equal_to_torch_for_many_epochs(ours, theirs):
    torch = pytest.importorskip("torch")
    t_opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(2))], lr=0.1, momentum=0.9)
    t_sched = theirs(torch, t_opt)
    want = [t_sched.get_last_lr()[0]]
    for _ in range(13):
        t_opt.step()
        t_sched.step()
        want.append(t_sched.get_last_lr()[0])
    assert np.allclose(_lrs(ours(_opt()), 13), want)


def test_the_optimizer_uses_the_scheduled_rate():
    opt = _opt(1.0)
    StepLR(opt, step_size=1, gamma=0.1).step()
    assert opt.lr == pytest.approx(0.1)


def test_bad_arguments():
    with pytest.raises(ValueError, match="step_size"):
        StepLR(_opt(), step_size=0)
    with pytest.raises(ValueError, match="T_max"):
        CosineAnnealingLR(_opt(), T_max=2.5)
    with pytest.raises(ValueError, match="needs an optimizer"):
        StepLR(object(), 1)
