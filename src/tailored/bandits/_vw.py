"""Vowpal Wabbit's contextual bandit with action-dependent features (``cb_explore_adf``).

The option for large or sparse feature sets: one model over every arm, the context crossed
with the arm (``-q sa``), trained online in C++, with Vowpal Wabbit's own exploration
(epsilon-greedy or SquareCB) under the exploration floor. Needs the ``vowpalwabbit`` package
(``pip install 'tailored[vw]'``).

Each arm is the feature ``a<row>`` of namespace ``a`` (its row in the arm table, so that any
arm name is safe); the context is namespace ``s``, feature ``f<i>`` for each non-zero value.
A reward ``r`` is learned as the cost ``-r`` with the arm's current probability under the
policy (the exploration floor included) as its probability (``update`` is not told the logged
propensity).

The learned model is kept in the state as base64 of Vowpal Wabbit's model file, with a count
of updates per arm.
"""

from __future__ import annotations

import base64
import binascii
import os
import tempfile
from collections.abc import Mapping
from typing import Any, Self

import numpy as np
import numpy.typing as npt

from tailored.core import ValidationError

from ._arms import FloatArray, IntArray, mix_floor
from ._config import VowpalWabbitConfig
from ._policy import BasePolicy

INSTALL_HINT = "the vw policy needs the vowpalwabbit package: pip install 'tailored[vw]'"


def _workspace(arguments: str) -> Any:
    try:
        import vowpalwabbit
    except ImportError as exc:  # pragma: no cover - the package is part of the dev install
        raise ValidationError(INSTALL_HINT) from exc
    return vowpalwabbit.Workspace(arguments)


class VowpalWabbit(BasePolicy[VowpalWabbitConfig]):
    """Vowpal Wabbit ``cb_explore_adf`` behind the shared policy interface.

    Example:
        >>> policy = VowpalWabbit(VowpalWabbitConfig(n_features=2, explore="epsilon"))
        >>> for _ in range(50):
        ...     policy.update([1.0, 0.0], "a", 1.0)
        ...     policy.update([1.0, 0.0], "b", 0.0)
        >>> [round(float(p), 3) for p in policy.probabilities([1.0, 0.0], ["a", "b"])]
        [0.974, 0.026]
    """

    kind = "vw"
    config_type = VowpalWabbitConfig

    def __init__(
        self, config: VowpalWabbitConfig | None = None, *, rng: np.random.Generator | None = None
    ) -> None:
        super().__init__(config, rng=rng)
        self._vw = _workspace(self._arguments())
        self._saved: str | None = None
        """The model as last stored or loaded, while nothing was learned since."""

    def _arguments(self) -> str:
        c = self.config
        explore = (
            f"--epsilon {c.epsilon}"
            if c.explore == "epsilon"
            else f"--squarecb --gamma_scale {c.gamma_scale}"
        )
        return f"--cb_explore_adf {explore} -q sa --learning_rate {c.learning_rate} --quiet"

    def _defaults(self) -> dict[str, npt.ArrayLike]:
        return {"updates": 0.0}

    def _lines(
        self, x: FloatArray, rows: IntArray, label: tuple[int, str] | None = None
    ) -> list[str]:
        """The example in Vowpal Wabbit's text format; ``label`` is ``(position, label)``."""
        shared = " ".join(f"f{i}:{_number(v)}" for i, v in enumerate(x) if v != 0.0)
        lines = [f"shared |s {shared}"]
        for n, row in enumerate(rows):
            text = label[1] if label is not None and label[0] == n else ""
            lines.append(f"{text} |a a{row}")
        return lines

    def _distribution(self, x: FloatArray | None, rows: IntArray) -> FloatArray:
        assert x is not None  # contextual: BasePolicy always passes the features
        out = np.empty((x.shape[0], len(rows)))
        for n in range(x.shape[0]):
            p = np.asarray(self._vw.predict(self._lines(x[n], rows)), dtype=np.float64)
            out[n] = p / p.sum()
        return out

    def _learn(self, x: FloatArray | None, rows: IntArray, rewards: FloatArray) -> None:
        assert x is not None
        arms = np.arange(len(self._table), dtype=np.int64)  # every arm known: those offered
        for n in range(x.shape[0]):
            at = int(rows[n])
            p = float(mix_floor(self._distribution(x[n : n + 1], arms), self._floor)[0, at])
            label = f"0:{_number(-float(rewards[n]))}:{max(p, 1e-6):.9g}"
            self._vw.learn(self._lines(x[n], arms, (at, label)))
        np.add.at(self._table.stats["updates"], rows, 1.0)
        self._saved = None

    def _model(self) -> str:
        if self._saved is None:
            handle, path = tempfile.mkstemp(suffix=".vw")
            os.close(handle)
            try:
                self._vw.save(path)
                with open(path, "rb") as f:
                    self._saved = base64.b64encode(f.read()).decode("ascii")
            finally:
                os.unlink(path)
        return self._saved

    def state(self) -> dict[str, Any]:
        """The configuration, arms, updates per arm and the model (base64)."""
        return {**super().state(), "model": self._model()}

    @classmethod
    def from_state(
        cls, state: Mapping[str, Any], *, rng: np.random.Generator | None = None
    ) -> Self:
        """Rebuild the policy, its model included, from :meth:`state`."""
        policy = super().from_state(state, rng=rng)
        model = state.get("model")
        try:
            data = base64.b64decode(model, validate=True) if isinstance(model, str) else b""
        except (binascii.Error, ValueError):
            data = b""
        if not data:
            raise ValidationError("state 'model' must be a Vowpal Wabbit model in base64")
        handle, path = tempfile.mkstemp(suffix=".vw")
        try:
            with os.fdopen(handle, "wb") as f:
                f.write(data)
            try:
                policy._vw = _workspace(f"--quiet -i {path}")
            except RuntimeError as exc:
                raise ValidationError(f"state 'model' is not a readable model: {exc}") from exc
        finally:
            os.unlink(path)
        policy._saved = model if isinstance(model, str) else None
        return policy


def _number(value: float) -> str:
    """A value as Vowpal Wabbit reads it: in single precision, where a magnitude below about
    1e-38 (a reward of 3e-201, say) is subnormal and turns its predictions into NaN."""
    return "0" if abs(value) < 1e-30 else f"{value:.9g}"
