"""One convention for every checker, and the shared helpers that make it: call the learner's function, read its
output, pass with one "✅" line and a ``Passed``."""
import numpy as np
import pytest
import torch

import airtools.exercises as exercises
from airtools.exercises import Passed
from airtools.exercises._common import call, expect_shape, guard, passed, to_array, to_float, to_tensor

from .answers import RIGHT


def test_every_checker_has_a_right_answer_here():
    assert set(exercises.__all__) == set(RIGHT), "add the new checker's right answer to tests/exercises/answers.py"


@pytest.mark.parametrize("name", sorted(RIGHT))
def test_every_checker_passes_a_right_answer_with_one_line_and_a_passed(name, accepts, one_torch_thread):
    accepts(getattr(exercises, name)(RIGHT[name]))


@pytest.mark.parametrize("name", sorted(set(RIGHT) - {"check_rotation_matrix", "check_device"}))
def test_every_checker_says_what_the_learners_function_raised(name):
    def broken(*args):
        raise KeyError("oops")

    with pytest.raises(AssertionError, match=r"^your function raised KeyError when called as .*: 'oops'"):
        getattr(exercises, name)(broken)


def test_passed_prints_one_line_and_returns_floats(capsys):
    result = passed("order 2.00", order=np.float32(2.0), cells=20)
    assert capsys.readouterr().out == "✅ order 2.00\n"
    assert type(result) is Passed and result == {"order": 2.0, "cells": 20.0}
    assert all(type(v) is float for v in result.values()) and repr(result) == "{'order': 2.0, 'cells': 20.0}"


def test_call_names_the_call_hints_at_mixed_dtypes_and_passes_its_own_messages_on():
    with pytest.raises(AssertionError, match=r"^your function raised ZeroDivisionError when called as fn\(0\): "):
        call(lambda x: 1 / x, 0, how="fn(0)")
    with pytest.raises(AssertionError, match=r"mixes float32 and float64"):
        call(lambda x: x @ torch.eye(2), torch.eye(2, dtype=torch.float64), how="fn(x)")
    with pytest.raises(AssertionError, match=r"^your function raised AssertionError when called as fn\(\): mine$"):
        call(lambda: _raise(AssertionError("mine")), how="fn()")  # a learner's own assert is reported as raised
    inner = guard(lambda: None, "the inner fn()")
    with pytest.raises(AssertionError, match=r"^your function returned a NoneType when called as the inner fn\(\), "
                                             r"but a torch tensor was expected \(did you forget the return"):
        call(inner, how="the outer fn()")  # a checker's own wrapper: its message is passed on, not wrapped


def _raise(err):
    raise err


def test_outputs_are_read_as_tensors_arrays_and_numbers_or_said_what_they_are():
    assert to_tensor([1, 2], "fn()").dtype == torch.int64 and to_tensor([1.5], "fn()").dtype == torch.float64
    assert to_tensor(torch.ones(2, dtype=torch.float32), "fn()").dtype == torch.float32
    assert to_array(torch.ones(2, requires_grad=True), "fn()").dtype == np.float64
    assert to_float(np.float32(0.5), "fn()") == 0.5 and to_float(torch.tensor([[2.0]]), "fn()") == 2.0
    with pytest.raises(AssertionError, match=r"returned NaN or inf values when called as fn\(\)"):
        to_tensor(torch.tensor([1.0, float("nan")]), "fn()")
    with pytest.raises(AssertionError, match=r"returned a str when called as fn\(\), but a torch tensor"):
        to_tensor("0.5", "fn()")
    with pytest.raises(AssertionError, match=r"returned 3 numbers \(shape \[3\]\) .* one number was expected"):
        to_float(torch.ones(3), "fn()")
    with pytest.raises(AssertionError, match=r"returned inf when called as fn\(\); a finite number"):
        to_float(float("inf"), "fn()")
    with pytest.raises(AssertionError, match=r"^your function returned shape \[2\] when called as fn\(\), but \[3\] "
                                             r"was expected \(one per axis\)$"):
        expect_shape(torch.ones(2), [3], "fn()", " (one per axis)")
