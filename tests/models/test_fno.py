"""FNO and spectral convolutions: shapes at any resolution, discretization invariance, shift equivariance,
agreement with a circular convolution written out by hand, and learning a spectral operator."""
import itertools
import math

import numpy as np
import pytest
import torch

from airtools.models.fno import FNO, grid_features, relative_l2
from airtools.nn._spectral import SpectralConv1d, SpectralConv2d, spectral_conv1d
from airtools.train import TrainConfig, load_checkpoint, save_checkpoint, train


def band_limited(n_samples, channels, n, k_max, generator, dim=1):
    """Random real trigonometric polynomials with wavenumbers |k_i| <= k_max on the grid x_j = j/n:
    ``[n_samples, channels, *[n] * dim]``, float64. The same generator state gives the same function."""
    axes = torch.meshgrid(*[torch.arange(n, dtype=torch.float64) / n] * dim, indexing="ij")
    f = torch.zeros(n_samples, channels, *[n] * dim, dtype=torch.float64)
    for k in itertools.product(*[range(-k_max, k_max + 1)] * (dim - 1), range(k_max + 1)):
        phase = 2 * math.pi * sum(ki * xi for ki, xi in zip(k, axes))
        a, b = torch.randn(2, n_samples, channels, *[1] * dim, generator=generator, dtype=torch.float64)
        f += a * torch.cos(phase) + b * torch.sin(phase)
    return f


def circular_conv_by_hand(x, table):
    r"""y_o(m) = sum_i sum_j x_i(j) kappa_io(m - j) with the kernel written out from the retained weights:
    kappa(d) = (1/N) sum_k c_k Re(R(k) e^{2πi k·d/n}), c_k = 1 on the k_last = 0 plane, 2 elsewhere (the
    conjugate wavenumbers of a real signal). ``table``: {signed wavenumber tuple: R(k) [in, out] complex}."""
    x = x.numpy()  # [batch, in, *grid]
    grid, N = x.shape[2:], x[0, 0].size
    n_in, n_out = next(iter(table.values())).shape
    kappa = np.zeros((*grid, n_in, n_out))
    for k, R in table.items():
        for d in np.ndindex(*grid):
            phase = 2 * np.pi * sum(ki * di / ni for ki, di, ni in zip(k, d, grid))
            kappa[d] += (1.0 if k[-1] == 0 else 2.0) / N * np.real(R * np.exp(1j * phase))
    y = np.zeros((x.shape[0], n_out, *grid))
    for m in np.ndindex(*grid):
        for j in np.ndindex(*grid):
            d = tuple((mi - ji) % ni for mi, ji, ni in zip(m, j, grid))
            y[(slice(None), slice(None), *m)] += x[(slice(None), slice(None), *j)] @ kappa[d]
    return torch.from_numpy(y)


def test_spectral_conv1d_is_a_circular_convolution():
    torch.manual_seed(0)
    layer = SpectralConv1d(2, 3, modes=3).double()
    x = torch.randn(2, 2, 8, dtype=torch.float64)
    W = torch.view_as_complex(layer.weight.detach())  # [in, out, modes]
    table = {(k,): W[..., k].numpy() for k in range(3)}
    assert torch.allclose(layer(x), circular_conv_by_hand(x, table), atol=1e-12)


def test_spectral_conv2d_is_a_circular_convolution():
    torch.manual_seed(1)
    layer = SpectralConv2d(2, 2, modes1=2, modes2=2).double()
    x = torch.randn(1, 2, 6, 5, dtype=torch.float64)
    W = torch.view_as_complex(layer.weight.detach())  # [2, in, out, modes1, modes2]
    table = {}
    for kx in range(2):
        for ky in range(2):
            table[(kx, ky)] = W[0, :, :, kx, ky].numpy()
            table[(kx - 2, ky)] = W[1, :, :, kx, ky].numpy()  # block 1 holds k_x = -m1 .. -1
    assert torch.allclose(layer(x), circular_conv_by_hand(x, table), atol=1e-12)


@pytest.mark.parametrize("n", [8, 15, 64, 256])
def test_fno_1d_any_resolution_in_same_out(n):
    torch.manual_seed(0)
    model = FNO(modes=6, width=8, n_layers=2, in_channels=2, out_channels=3)
    assert model(torch.randn(4, n, 2)).shape == (4, n, 3)


@pytest.mark.parametrize("shape", [(8, 8), (16, 12), (33, 20)])
def test_fno_2d_any_resolution_in_same_out(shape):
    torch.manual_seed(0)
    model = FNO(dim=2, modes=4, width=8, n_layers=2)
    assert model(torch.randn(2, *shape, 1)).shape == (2, *shape, 1)


@pytest.mark.parametrize("dtype, atol", [(torch.float64, 1e-12), (torch.float32, 1e-5)])
def test_spectral_conv1d_discretization_invariance(dtype, atol):
    torch.manual_seed(0)
    layer = SpectralConv1d(3, 4, modes=8).to(dtype)
    n = 16  # modes <= n / 2
    f_n, f_2n = (band_limited(2, 3, m, 7, torch.Generator().manual_seed(1)).to(dtype) for m in (n, 2 * n))
    assert torch.allclose(f_2n[..., ::2], f_n, atol=1e-12)  # the same function, sampled twice
    y_n, y_2n = layer(f_n), layer(f_2n)
    assert (y_2n[..., ::2] - y_n).abs().max() < atol * y_n.abs().max()


def test_spectral_conv2d_discretization_invariance():
    layer = SpectralConv2d(2, 2, modes1=4).double()
    f_n, f_2n = (band_limited(2, 2, m, 3, torch.Generator().manual_seed(2), dim=2) for m in (12, 24))
    assert torch.allclose(f_2n[..., ::2, ::2], f_n, atol=1e-12)
    assert (layer(f_2n)[..., ::2, ::2] - layer(f_n)).abs().max() < 1e-12


def test_spectral_conv2d_coarse_grid_uses_the_matching_weights():
    """At nx = 6 only |k_x| <= 3 fit (modes1 = 4 asks for more): each wavenumber keeps its own weight."""
    torch.manual_seed(0)
    layer = SpectralConv2d(1, 2, modes1=4).double()
    f_6, f_24 = (band_limited(2, 1, m, 2, torch.Generator().manual_seed(4), dim=2) for m in (6, 24))
    assert (layer(f_24)[..., ::4, ::4] - layer(f_6)).abs().max() < 1e-12


@pytest.mark.parametrize("grid", ["periodic", None])
def test_one_layer_fno_is_discretization_invariant(grid):
    """Lifting, W and the projection are pointwise and the periodic grid features are band-limited, so a
    one-layer FNO maps a band-limited input to the same output at the shared points. (With more layers the
    GELU output is no longer band-limited and the next spectral layer sees aliasing: close, not equal.)"""
    torch.manual_seed(0)
    model = FNO(modes=8, width=8, n_layers=1, grid=grid).double()
    f_n, f_2n = (band_limited(3, 1, m, 5, torch.Generator().manual_seed(3)).transpose(1, 2) for m in (16, 32))
    assert (model(f_2n)[:, ::2] - model(f_n)).abs().max() < 1e-12


@pytest.mark.parametrize("dim", [1, 2])
def test_fno_without_grid_features_is_shift_equivariant(dim):
    torch.manual_seed(0)
    model = FNO(dim=dim, modes=4, width=8, n_layers=3, grid=None).double()
    a = torch.randn(2, *[16] * dim, 1, dtype=torch.float64)
    dims = tuple(range(1, dim + 1))
    shifted = model(torch.roll(a, shifts=(5,) * dim, dims=dims))
    assert (shifted - torch.roll(model(a), shifts=(5,) * dim, dims=dims)).abs().max() < 1e-12


def test_grid_features_break_shift_equivariance():
    torch.manual_seed(0)
    model = FNO(modes=4, width=8, n_layers=2, grid="periodic").double()
    a = torch.randn(2, 16, 1, dtype=torch.float64)
    err = (model(torch.roll(a, 5, dims=1)) - torch.roll(model(a), 5, dims=1)).abs().max()
    assert err > 1e-4, "coordinates tell the model where it is, so it should not be shift equivariant"


def test_grid_features():
    x = grid_features((4, 2), "periodic")
    assert x.shape == (4, 2, 4)
    assert torch.allclose(x[1, 0], torch.tensor([1.0, 0.0, 0.0, 1.0]), atol=1e-7)
    assert torch.equal(grid_features((4,), "linear")[:, 0], torch.arange(4) / 4)


def test_spectral_conv_uses_available_modes_on_coarse_grids():
    torch.manual_seed(0)
    layer = SpectralConv1d(1, 1, modes=16)
    x = torch.randn(1, 1, 8)
    truncated = spectral_conv1d(x, torch.view_as_complex(layer.weight)[..., :5])  # n // 2 + 1 = 5
    assert torch.allclose(layer(x), truncated)


def test_float64_and_gradients_reach_every_parameter():
    torch.manual_seed(0)
    model = FNO(modes=4, width=8, n_layers=2).to(torch.float64)
    u = model(torch.randn(2, 16, 1, dtype=torch.float64))
    assert u.dtype == torch.float64
    u.square().sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.parameters())


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no GPU")
def test_cuda_matches_cpu():
    torch.manual_seed(0)
    model = FNO(modes=8, width=16, n_layers=2).double()
    a = torch.randn(3, 64, 1, dtype=torch.float64)
    expected = model(a)
    assert torch.allclose(model.to("cuda")(a.to("cuda")).cpu(), expected, atol=1e-10)


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match="a: expected \\[batch, n, in_channels\\]"):
        FNO()(torch.randn(2, 16))
    with pytest.raises(ValueError, match="dim: expected 1 or 2"):
        FNO(dim=3)
    with pytest.raises(ValueError, match="grid"):
        FNO(grid="polar")
    with pytest.raises(ValueError, match="unknown setting"):
        FNO(n_modes=3)
    with pytest.raises(ValueError, match="modes: expected a positive integer"):
        SpectralConv1d(1, 1, modes=0)
    with pytest.raises(ValueError, match="x: expected a real tensor"):
        SpectralConv1d(2, 1, modes=2)(torch.randn(1, 3, 8))


def test_relative_l2():
    u = torch.randn(4, 32, 1)
    assert relative_l2(u, u) == 0
    assert torch.allclose(relative_l2(1.5 * u, u), torch.tensor(0.5))
    assert torch.allclose(relative_l2(2 * u, u, reduction="none"), torch.ones(4))
    with pytest.raises(ValueError, match="pred"):
        relative_l2(u[:, :16], u)


def test_fno_learns_the_heat_operator_and_checkpoints(tmp_path):
    """The heat flow is a Fourier multiplier, exactly what one linear spectral layer represents."""
    from airtools.pde import solve_heat

    a, a_fine = (band_limited(n_samples, 1, n, 4, torch.Generator().manual_seed(seed)).float()
                 for n_samples, n, seed in ((64, 32, 0), (8, 128, 1)))  # [batch, 1, n]
    u, u_fine = (solve_heat(f, nu=0.01, t=0.5).transpose(1, 2) for f in (a, a_fine))  # [batch, n, 1]
    a, a_fine = a.transpose(1, 2), a_fine.transpose(1, 2)
    model = FNO(modes=6, width=8, n_layers=1, grid=None, projection=16)
    config = TrainConfig(n_epochs=40, lr=1e-2, batch_size=16, val_fraction=0.0, schedule="cosine",
                         patience=None, progress=False, device="cpu")
    train(model, torch.utils.data.TensorDataset(a, u), config, loss_fn=lambda m, b: relative_l2(m(b[0]), b[1]))
    with torch.no_grad():
        err, err_fine = relative_l2(model(a), u).item(), relative_l2(model(a_fine), u_fine).item()
    assert err < 0.02, err
    assert err_fine < 0.02, err_fine  # trained at n = 32, evaluated at n = 128
    path = save_checkpoint(tmp_path / "fno.pt", model)
    again = load_checkpoint(path)
    assert again.config == model.config and torch.equal(again(a[:2]), model(a[:2]).detach())
