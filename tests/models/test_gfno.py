"""G-FNO: exact equivariance under 90° rotations (model and each layer), a plain FNO measured as not
equivariant, agreement of the rfft shortcut with a full-FFT reference, resolution independence, training,
devices and input checks."""
import pytest
import torch

from airtools.models.fno import FNO
from airtools.models.gfno import GFNO, GroupPointwise2d, GroupSpectralConv2d, rotation_equivariance_error


def p4_action(v, k=1):
    """Rotation by k·90° on p4 regular features [batch, c, 4, n, n]: rotate each copy, shift the copies."""
    return torch.rot90(v, k, dims=(-2, -1)).roll(k, dims=2)


@pytest.mark.parametrize("n", [16, 17, 32])
def test_gfno_is_rotation_equivariant_float32(n):
    torch.manual_seed(0)
    model = GFNO(modes=6, width=4, n_layers=3, in_channels=2, out_channels=3)
    a = torch.randn(3, n, n, 2)
    err = rotation_equivariance_error(model, a)
    assert err < 1e-5, err


def test_gfno_is_rotation_equivariant_float64():
    torch.manual_seed(0)
    model = GFNO(modes=6, width=4).double()
    a = torch.randn(2, 24, 24, 1, dtype=torch.float64)
    assert rotation_equivariance_error(model, a) < 1e-12


def test_plain_fno_is_not_equivariant():
    torch.manual_seed(0)
    a = torch.randn(4, 32, 32, 1)
    gfno_err = rotation_equivariance_error(GFNO(modes=8, width=8), a)
    fno_err = rotation_equivariance_error(FNO(dim=2, modes=8, width=16), a)  # coordinates appended
    fno_nogrid_err = rotation_equivariance_error(FNO(dim=2, modes=8, width=16, grid=None), a)  # weights only
    assert fno_err > 5e-3, fno_err  # 1.6e-2 measured (small random weights; a trained FNO: ~0.1)
    assert fno_nogrid_err > 5e-5, fno_nogrid_err  # 2.4e-4 measured
    assert min(fno_err, fno_nogrid_err) > 100 * gfno_err, (fno_err, fno_nogrid_err, gfno_err)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_layers_commute_with_the_p4_action(k):
    torch.manual_seed(k)
    v = torch.randn(2, 3, 4, 12, 12, dtype=torch.float64)
    for layer in (GroupSpectralConv2d(3, 5, modes=4), GroupPointwise2d(3, 5)):
        layer = layer.double()
        assert torch.allclose(layer(p4_action(v, k)), p4_action(layer(v), k), atol=1e-12)


@pytest.mark.parametrize("n", [12, 13])
def test_spectral_conv_matches_a_full_fft_reference(n):
    """The rfft2 + conjugate-symmetry shortcut equals Re ifft2(R · fft2 v) on the centred mode square."""
    torch.manual_seed(0)
    layer = GroupSpectralConv2d(2, 3, modes=5).double()
    v = torch.randn(2, 2, 4, n, n, dtype=torch.float64)
    k = torch.arange(-4, 5) % n
    v_ft = torch.fft.fft2(v)[..., k[:, None], k[None, :]]
    out_ft = torch.zeros(2, 3, 4, n, n, dtype=torch.complex128)
    out_ft[..., k[:, None], k[None, :]] = torch.einsum("bcrxy,oscrxy->bosxy", v_ft, layer.full_weight(5))
    assert torch.allclose(layer(v), torch.fft.ifft2(out_ft).real, atol=1e-12)


def test_spectral_conv_is_resolution_independent():
    """On a band-limited input the same weights give the same function on a 16 and a 32 grid."""
    torch.manual_seed(0)
    layer = GroupSpectralConv2d(1, 2, modes=4).double()
    coeffs = torch.zeros(1, 1, 4, 32, 32, dtype=torch.complex128)
    idx = torch.arange(-3, 4) % 32
    coeffs[..., idx[:, None], idx[None, :]] = torch.randn(1, 1, 4, 7, 7, dtype=torch.complex128)
    fine = torch.fft.ifft2(coeffs).real * 32**2  # band-limited field on the 32 grid
    coarse = fine[..., ::2, ::2]
    assert torch.allclose(layer(fine)[..., ::2, ::2], layer(coarse), atol=1e-10)


def test_gfno_learns_an_equivariant_target():
    """A few Adam steps on a = noise -> u = a rotated-invariantly smoothed (discrete Laplacian)."""
    torch.manual_seed(0)
    a = torch.randn(8, 16, 16, 1)
    u = (a.roll(1, 1) + a.roll(-1, 1) + a.roll(1, 2) + a.roll(-1, 2) - 4 * a)
    model = GFNO(modes=8, width=4, n_layers=2)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(60):
        opt.zero_grad()
        loss = torch.mean((model(a) - u) ** 2)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.2 * losses[0], (losses[0], losses[-1])


def test_output_follows_input_device_and_dtype(device):
    model = GFNO(modes=4, width=4, n_layers=2).to(device=device, dtype=torch.float64)
    out = model(torch.randn(2, 8, 8, 1, dtype=torch.float64, device=device))
    assert out.shape == (2, 8, 8, 1) and out.dtype == torch.float64 and out.device.type == device


def test_rotation_equivariance_error_detects_a_broken_operator():
    a = torch.randn(2, 8, 8, 1)
    assert rotation_equivariance_error(lambda a: torch.tanh(a), a) == 0.0
    assert rotation_equivariance_error(lambda a: a.roll(1, dims=1), a) > 0.5  # a shift along x only


def test_bad_input_names_the_argument():
    model = GFNO(modes=4, width=4, n_layers=1)
    with pytest.raises(ValueError, match="square"):
        model(torch.randn(1, 8, 10, 1))
    with pytest.raises(ValueError, match="in_channels"):
        model(torch.randn(1, 8, 8, 2))
    with pytest.raises(ValueError, match="v: expected"):
        GroupSpectralConv2d(2, 2, 4)(torch.randn(1, 2, 3, 8, 8))
    with pytest.raises(ValueError, match="modes"):
        GFNO(modes=0)
    with pytest.raises(ValueError, match="unknown"):
        GFNO(depth=3)
