r"""What every checker shares: one way to call the learner's function, to read its output, and to pass.

- :func:`call`: run the learner's function; any exception becomes an ``AssertionError`` that names the call
  ("your function raised KeyError when called as fn(0, R): 'oops'") and, for mixed dtypes, says what to change;
- :func:`guard`: the same as a function, with its output read by :func:`to_tensor` (for checkers that call it
  many times, e.g. through ``airtools.testing.transformation_errors``);
- :func:`to_tensor`, :func:`to_array`, :func:`to_float`: the output as a torch tensor, a float64 numpy array or
  one number, or an ``AssertionError`` saying what came back instead (wrong type, NaN or inf);
- :func:`expect_shape`: an ``AssertionError`` naming the shape that came back and the one expected;
- :func:`passed`: print one "✅ ..." line and return a :class:`Passed` of the measured numbers.

>>> r = passed("2 + 2 = 4 (off by 0.0)", error=0.0)
✅ 2 + 2 = 4 (off by 0.0)
>>> r
{'error': 0.0}
>>> call(lambda x: 1 / x, 0, how="fn(0)")
Traceback (most recent call last):
AssertionError: your function raised ZeroDivisionError when called as fn(0): division by zero
"""
from __future__ import annotations

import math

import numpy as np
import torch

__all__ = ["Passed", "passed", "call", "guard", "to_tensor", "to_array", "to_float", "expect_shape", "join"]


class Passed(dict):
    """What a checker measured on a right answer: name -> float (errors, orders, angles, ...).

    A plain ``dict`` otherwise (same repr, same ``==``), so a lesson reads ``result["order"]`` or
    ``max(result.values())``.

    >>> Passed(error=1e-12)["error"]
    1e-12
    """


def passed(message: str, **measured: float) -> Passed:
    """Print ``"✅ {message}"`` and return the measured numbers as a :class:`Passed` (each converted to float).

    >>> passed("order 2.00", order=2)
    ✅ order 2.00
    {'order': 2.0}
    """
    print(f"✅ {message}")
    return Passed({name: float(value) for name, value in measured.items()})


def call(fn, *args, how: str, hint: str = ""):
    """``fn(*args)``; an exception there becomes ``AssertionError`` naming the call ``how`` and what it raised.

    ``hint`` is appended to the message (e.g. what input the function did not expect). Mixing float32 and
    float64 gets its own hint.

    >>> call(lambda pos: pos.sum(), [1, 2], how="fn(pos) with pos of shape [2]")
    Traceback (most recent call last):
    AssertionError: your function raised AttributeError when called as fn(pos) with pos of shape [2]: 'list' ...
    """
    try:
        return fn(*args)
    except Exception as err:  # the learner's code may raise anything: say it in words, not a traceback
        if getattr(err, "said", False):  # already in words (a checker's wrapper around the learner's function)
            raise
        if not hint and any(word in str(err) for word in ("Double", "dtype", "scalar type")):
            hint = " (it mixes float32 and float64: create new tensors with the input's dtype, e.g. dtype=pos.dtype)"
        raise _wrong(f"your function raised {type(err).__name__} when called as {how}: {err}{hint}") \
            from err


def guard(fn, how: str):
    """``fn`` as a function whose exceptions go through :func:`call` and whose output goes through
    :func:`to_tensor`.

    >>> guard(lambda x: [x, 2 * x], "fn(x)")(1.5)
    tensor([1.5000, 3.0000], dtype=torch.float64)
    """
    def guarded(*args):
        return to_tensor(call(fn, *args, how=how), how)
    return guarded


def to_tensor(out, how: str) -> torch.Tensor:
    """The learner's output as a tensor (a tensor keeps its dtype; lists, arrays and numbers become float64, or
    int64 when they hold integers).

    Raises ``AssertionError`` when it cannot be one, or when it holds NaN or inf.

    >>> to_tensor(None, "fn(x)")
    Traceback (most recent call last):
    AssertionError: your function returned a NoneType when called as fn(x), but a torch tensor was expected ...
    """
    if not isinstance(out, torch.Tensor):
        try:
            array = np.asarray(out)
            kind = {"b": np.int64, "i": np.int64, "u": np.int64, "f": np.float64, "c": np.complex128}[array.dtype.kind]
            out = torch.from_numpy(array.astype(kind))
        except (TypeError, ValueError, RuntimeError, KeyError):
            raise _wrong(f"your function returned a {type(out).__name__} when called as {how}, but a "
                                 f"torch tensor was expected{_forgot_return(out)}") from None
    if out.is_floating_point() or out.is_complex():
        if not bool(torch.isfinite(out.detach()).all()):
            raise _wrong(f"your function returned NaN or inf values when called as {how} (a division by "
                                 f"zero or the log/sqrt of a negative number?)")
    return out


def to_array(out, how: str) -> np.ndarray:
    """The learner's output as a float64 numpy array (tensors are detached and moved to the CPU).

    >>> to_array([[1, 2]], "fn(x)").dtype
    dtype('float64')
    """
    return to_tensor(out, how).detach().cpu().to(torch.float64).numpy()


def to_float(out, how: str) -> float:
    """The learner's output as one number (a float, a 0-d or one-element tensor or array).

    >>> to_float(torch.tensor([1.0, 2.0]), "fn(x)")
    Traceback (most recent call last):
    AssertionError: your function returned 2 numbers (shape [2]) when called as fn(x), but one number was expected...
    """
    if isinstance(out, (int, float)) and not isinstance(out, bool):
        value = float(out)
    else:
        t = to_tensor(out, how)
        if t.numel() != 1:
            raise _wrong(f"your function returned {t.numel()} numbers (shape {list(t.shape)}) when called "
                                 f"as {how}, but one number was expected (a float or a 0-d tensor): reduce with "
                                 f".sum() or .mean() as the formula says")
        value = float(t.detach().reshape(()).real)
    if not math.isfinite(value):
        raise _wrong(f"your function returned {value} when called as {how}; a finite number was expected")
    return value


def expect_shape(out, shape, how: str, why: str = ""):
    """``out`` unchanged if its shape is ``shape``; else ``AssertionError`` naming both shapes (and ``why``).

    >>> expect_shape(torch.zeros(3, 3), [1, 1], "fn(0, R)", " (2l+1 = 1 for l = 0)")
    Traceback (most recent call last):
    AssertionError: your function returned shape [3, 3] when called as fn(0, R), but [1, 1] was expected (2l+1 = 1 ...
    """
    if list(out.shape) != list(shape):
        raise _wrong(f"your function returned shape {list(out.shape)} when called as {how}, but "
                             f"{list(shape)} was expected{why}")
    return out


def join(names) -> str:
    """``"a, b and c"`` from ``["a", "b", "c"]``.

    >>> join(["rotation", "reflection", "translation"])
    'rotation, reflection and translation'
    """
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _forgot_return(out) -> str:
    return " (did you forget the return statement?)" if out is None else ""


def _wrong(message: str) -> AssertionError:
    """An ``AssertionError`` marked as already said in words, so that :func:`call` passes it on unchanged."""
    err = AssertionError(message)
    err.said = True
    return err
