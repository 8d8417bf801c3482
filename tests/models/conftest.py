"""Model tests run torch on one thread: their tensors are tiny, and on a busy 2-core machine two OpenMP
threads waiting for each other made them up to ~100x slower (measured: 1.8 s instead of 0.02 s per check)."""
import pytest
import torch


@pytest.fixture(autouse=True)
def one_torch_thread():
    n_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n_threads)
