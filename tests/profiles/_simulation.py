"""Customers drawn from the BG/NBD generative process, with what happened next."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tailored.profiles import BGNBDParams


@dataclass(frozen=True)
class Simulated:
    """Observed summaries per customer, their hidden state at T, and purchases after T."""

    x: np.ndarray
    t_x: np.ndarray
    T: np.ndarray
    alive: np.ndarray
    future: np.ndarray


def simulate(
    params: BGNBDParams, T: np.ndarray, horizon: float, rng: np.random.Generator
) -> Simulated:
    """One customer per entry of ``T``, also counting their purchases in ``(T, T + horizon]``.

    Purchases follow a Poisson process of rate ``lambda ~ Gamma(r, rate=alpha)``; after each
    repeat purchase the customer drops out with probability ``p ~ Beta(a, b)``, so the repeat
    purchase after which they drop is ``J ~ Geometric(p)`` on 1, 2, ... The time of the x-th of
    ``N`` uniform arrivals in (0, T] is ``T * Beta(x, N - x + 1)``.
    """
    n = len(T)
    rate = rng.gamma(params.r, 1.0 / params.alpha, n)
    p = rng.beta(params.a, params.b, n)
    last = rng.geometric(p)  # the repeat purchase after which the customer drops out
    arrivals = rng.poisson(rate * T)
    x = np.minimum(arrivals, last)
    t_x = np.where(x > 0, T * rng.beta(np.maximum(x, 1), arrivals - x + 1), 0.0)
    alive = last > arrivals
    later = rng.poisson(rate * horizon)
    future = np.where(alive, np.minimum(later, last - arrivals), 0)
    return Simulated(x.astype(float), t_x, T, alive, future.astype(float))
