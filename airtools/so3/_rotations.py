r"""Rotation matrices: validation and Haar-random sampling.

A rotation is a real :math:`3 \times 3` matrix with :math:`R R^T = I` and :math:`\det R = +1`; the set of
them is the group :math:`SO(3)`. Every public function of ``airtools.so3`` that takes a matrix checks it here
first, so a learner's mistake surfaces as a ``ValueError`` that names the argument, not as a wrong number.
"""
import torch
from e3nn import o3

FLOAT_DTYPES = (torch.float32, torch.float64)


def as_float(x, name: str, like: torch.Tensor = None) -> torch.Tensor:
    """``x`` as a float32/float64 tensor (numbers and lists take ``like``'s dtype/device, else the default)."""
    if not isinstance(x, torch.Tensor):
        dtype = like.dtype if like is not None and like.dtype in FLOAT_DTYPES else torch.get_default_dtype()
        x = torch.as_tensor(x, dtype=dtype, device=like.device if like is not None else None)
    if x.dtype not in FLOAT_DTYPES:
        raise ValueError(f"{name}: expected a float32 or float64 tensor, got dtype {x.dtype}")
    return x


def check_last_dim(x: torch.Tensor, name: str, n: int, what: str) -> None:
    """Raise ``ValueError`` unless ``x`` has shape ``[..., n]``."""
    if x.dim() == 0 or x.shape[-1] != n:
        raise ValueError(f"{name}: expected {what} of shape [..., {n}], got shape {list(x.shape)}")


def check_orthogonal(R, name: str = "R", atol: float = 1e-5) -> torch.Tensor:
    r"""Check :math:`R R^T = I` on a ``[..., 3, 3]`` tensor and return :math:`\det R` (shape ``[...]``)."""
    R = as_float(R, name)
    expected = "an orthogonal matrix of shape [..., 3, 3]"
    if R.dim() < 2 or R.shape[-2:] != (3, 3):
        raise ValueError(f"{name}: expected {expected}, got shape {list(R.shape)}")
    I = torch.eye(3, dtype=R.dtype, device=R.device)
    err = (R @ R.transpose(-1, -2) - I).abs().amax().item() if R.numel() else 0.0
    if not err <= atol:  # also catches NaN
        raise ValueError(f"{name}: expected {expected}, got max |R R^T - I| = {err:.3g} (atol = {atol:g})")
    return torch.linalg.det(R)


def check_rotation(R, name: str = "R", atol: float = 1e-5) -> torch.Tensor:
    r"""Raise ``ValueError`` unless ``R`` is a batch of proper rotations.

    .. math:: R R^T = I, \qquad \det R = +1

    Args:
        R: matrices, ``[..., 3, 3]``.
        name: the argument name used in the error message.
        atol: tolerance on :math:`|R R^T - I|` and :math:`|\det R - 1|`.

    Returns:
        ``R`` unchanged (as a tensor), ``[..., 3, 3]``, so the check can be used inline.

    >>> check_rotation(torch.eye(3)).shape
    torch.Size([3, 3])
    >>> check_rotation(-torch.eye(3))
    Traceback (most recent call last):
    ValueError: R: expected a rotation matrix (orthogonal, det +1) of shape [..., 3, 3], got det = -1
    """
    R = as_float(R, name)
    det = check_orthogonal(R, name, atol)
    if det.numel():
        worst = det.flatten()[(det - 1).abs().flatten().argmax()].item()
        if not abs(worst - 1) <= atol:
            raise ValueError(
                f"{name}: expected a rotation matrix (orthogonal, det +1) of shape [..., 3, 3], got det = {worst:.3g}"
            )
    return R


def random_rotation(n: int = None, *, dtype=None, generator=None, device=None) -> torch.Tensor:
    r"""Haar-uniform random rotation(s): a normalised Gaussian quaternion, turned into a matrix.

    .. math:: q \sim \mathcal N(0, I_4), \quad R = R(q / \lVert q \rVert) \sim \mathrm{Haar}(SO(3))

    Args:
        n: number of rotations; ``None`` for a single ``[3, 3]`` matrix.
        dtype: float32 or float64 (default: ``torch.get_default_dtype()``).
        generator: a ``torch.Generator`` for reproducible draws.
        device: where to build ``R`` (default: the generator's device, else the default device).

    Returns:
        ``R``: ``[3, 3]`` if ``n is None`` else ``[n, 3, 3]``.

    >>> g = torch.Generator().manual_seed(0)
    >>> R = random_rotation(5, dtype=torch.float64, generator=g)
    >>> R.shape, torch.allclose(torch.linalg.det(R), torch.ones(5, dtype=torch.float64))
    (torch.Size([5, 3, 3]), True)
    """
    dtype = dtype or torch.get_default_dtype()
    if dtype not in FLOAT_DTYPES:
        raise ValueError(f"dtype: expected torch.float32 or torch.float64, got {dtype}")
    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 0):
        raise ValueError(f"n: expected None or a non-negative int, got {n!r}")
    if device is None and generator is not None:
        device = generator.device
    shape = (4,) if n is None else (n, 4)
    q = torch.randn(shape, dtype=dtype, device=device, generator=generator)
    q = q / q.norm(dim=-1, keepdim=True)
    return o3.quaternion_to_matrix(q)
