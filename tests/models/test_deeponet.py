"""DeepONet: both query formats, the architecture of Lu et al., input checks, dtype/device, and learning the
antiderivative operator on a tiny budget."""
import pytest
import torch
from torch import nn

from airtools.models.deeponet import DeepONet
from airtools.pde import antiderivative_dataset


def test_shared_points_and_points_per_function_agree():
    torch.manual_seed(0)
    model = DeepONet(branch_sizes=[10, 16, 8], trunk_sizes=[2, 16, 8])
    u, y = torch.randn(4, 10), torch.rand(5, 2)
    shared = model(u, y)  # [4, 5]
    per_function = model(u, y.expand(4, 5, 2))  # [4, 5]
    triplet = model(u, y[:4, None, :])[:, 0]  # one point per function: [4]
    assert shared.shape == per_function.shape == (4, 5)
    assert torch.allclose(shared, per_function, atol=1e-6)
    assert torch.allclose(triplet, shared.diagonal(), atol=1e-6)


def test_output_is_a_dot_product_of_branch_and_trunk_plus_bias():
    torch.manual_seed(0)
    model = DeepONet(branch_sizes=[6, 8, 4], trunk_sizes=[1, 8, 4], activation="tanh")
    with torch.no_grad():
        model.bias.fill_(0.3)
    u, y = torch.randn(3, 6), torch.rand(7, 1)
    expected = torch.einsum("bp,np->bn", model.branch(u), model.trunk(y)) + 0.3
    assert torch.allclose(model(u, y), expected, atol=1e-6)
    assert isinstance(model.trunk[-1], nn.Tanh), "Lu et al. apply the activation to the trunk's last layer"
    assert isinstance(model.branch[-1], nn.Linear), "the branch's last layer is linear"


def test_float64_and_gradients():
    torch.manual_seed(0)
    model = DeepONet(branch_sizes=[5, 8, 8], trunk_sizes=[1, 8, 8]).to(torch.float64)
    out = model(torch.randn(2, 5, dtype=torch.float64), torch.rand(3, 1, dtype=torch.float64))
    assert out.dtype == torch.float64
    out.sum().backward()
    assert all(p.grad is not None for p in model.parameters())


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no GPU")
def test_cuda_matches_cpu():
    torch.manual_seed(0)
    model = DeepONet(branch_sizes=[5, 8, 8], trunk_sizes=[1, 8, 8]).double()
    u, y = torch.randn(2, 5, dtype=torch.float64), torch.rand(3, 1, dtype=torch.float64)
    expected = model(u, y)
    assert torch.allclose(model.to("cuda")(u.cuda(), y.cuda()).cpu(), expected, atol=1e-10)


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match="trunk_sizes: must end with the branch's p = 8"):
        DeepONet(branch_sizes=[5, 8], trunk_sizes=[1, 4])
    with pytest.raises(ValueError, match="branch_sizes"):
        DeepONet(branch_sizes=[5], trunk_sizes=[1, 5])
    with pytest.raises(ValueError, match="activation"):
        DeepONet(branch_sizes=[5, 8], trunk_sizes=[1, 8], activation="sine")
    model = DeepONet(branch_sizes=[5, 8], trunk_sizes=[1, 8])
    with pytest.raises(ValueError, match="u: expected \\[batch, m_sensors = 5\\]"):
        model(torch.randn(2, 6), torch.rand(3, 1))
    with pytest.raises(ValueError, match="y: expected"):
        model(torch.randn(2, 5), torch.rand(3, 2))
    with pytest.raises(ValueError, match="y: expected"):
        model(torch.randn(2, 5), torch.rand(3, 4, 1))


def test_learns_the_antiderivative_on_a_tiny_budget():
    """Lu et al.'s benchmark G(u)(y) = ∫_0^y u: 300 full-batch Adam steps on 100 functions."""
    u, y, s = antiderivative_dataset(300, 50, seed=0, cache=False, progress=False)
    torch.manual_seed(0)
    model = DeepONet(branch_sizes=[50, 40, 40], trunk_sizes=[1, 40, 40])
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
    for _ in range(300):
        optimizer.zero_grad()
        loss = torch.mean((model(u[:100], y) - s[:100]) ** 2)
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        test_mse = torch.mean((model(u[100:], y) - s[100:]) ** 2).item()
    assert test_mse < 2e-3 and test_mse < 0.01 * s[100:].var().item(), test_mse
