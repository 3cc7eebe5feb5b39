"""The condition language: targeting rules as JSON, with GrowthBook's semantics.

A condition is a JSON object in MongoDB style::

    {"country": {"$in": ["DE", "AT"]}, "age": {"$gte": 18}, "$or": [{"plan": "pro"}, ...]}

Keys are attribute paths (dots enter nested objects and arrays) or the logical operators
``$and``, ``$or``, ``$nor`` and ``$not``; values are literals to equal or objects of operators
(``$eq $ne $lt $lte $gt $gte $in $nin $ini $nini $all $alli $elemMatch $size $exists $type
$regex $regexi $not``, the version operators ``$veq $vne $vgt $vgte $vlt $vlte`` and the
saved-group operators ``$inGroup $notInGroup``). Values are compared as GrowthBook's
JavaScript evaluator compares them, so GrowthBook targeting rules carry over unchanged;
regular expressions use Python's ``re`` syntax.

Use :func:`compile_condition` once and call the :class:`Condition` it returns on hot paths;
:func:`validate` lists what is wrong with a condition before it is saved; other stages add
top-level operators (``$segment``, ``$event``) with :func:`register_operator`.
"""

from __future__ import annotations

from ._condition import Condition, compile_condition, evaluate
from ._context import EvaluationContext, Predicate
from ._registry import OperatorCompiler, register_operator, unregister_operator
from ._validation import Problem, validate

__all__ = [
    "Condition",
    "EvaluationContext",
    "OperatorCompiler",
    "Predicate",
    "Problem",
    "compile_condition",
    "evaluate",
    "register_operator",
    "unregister_operator",
    "validate",
]
