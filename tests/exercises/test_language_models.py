"""The next-token-loss checker of lesson 20 accepts the shifted, padding-free mean cross-entropy and names the
usual mistakes."""
import pytest
import torch
import torch.nn.functional as F

from airtools.exercises import check_next_token_loss

from .answers import next_token_loss


def test_accepts_the_shifted_mean_cross_entropy_written_in_several_ways(accepts):
    accepts(check_next_token_loss(next_token_loss), "18 real targets")
    by_hand = lambda lg, t, p: -(torch.log_softmax(lg[:, :-1], -1).gather(-1, t[:, 1:, None])[..., 0]  # noqa: E731
                                 * (t[:, 1:] != p)).sum() / (t[:, 1:] != p).sum()
    accepts(check_next_token_loss(by_hand))
    accepts(check_next_token_loss(lambda lg, t, p: F.cross_entropy(lg[:, :-1].float().transpose(1, 2), t[:, 1:],
                                                                  ignore_index=p)))


def ce(lg, t, **kw):
    return F.cross_entropy(lg.reshape(-1, lg.shape[-1]), t.reshape(-1), **kw)


@pytest.mark.parametrize("fn, message", [
    (lambda lg, t, p: ce(lg, t, ignore_index=p), r"scores logits\[:, t\] against tokens\[:, t\], the token the model "
                                                 r"has just read"),
    (lambda lg, t, p: ce(lg, t), r"against tokens\[:, t\], the token the model has just read"),
    (lambda lg, t, p: ce(lg[:, 1:], t[:, :-1], ignore_index=p), r"against tokens\[:, t - 1\], the previous token"),
    (lambda lg, t, p: ce(lg[:, :-1], t[:, 1:]), r"counts the padding after each sequence's end"),
    (lambda lg, t, p: ce(lg[:, :-1], t[:, 1:], ignore_index=p, reduction="sum"), r"is the sum over the targets"),
    (lambda lg, t, p: (F.cross_entropy(lg[:, :-1].transpose(1, 2), t[:, 1:], ignore_index=p, reduction="none").sum(1)
                       / (t[:, 1:] != p).sum(1)).mean(), r"averages each sequence first"),
    (lambda lg, t, p: 2 * ce(lg[:, :-1], t[:, 1:], ignore_index=p), r"^your loss is .*, expected 3.3695: the mean"),
])
def test_names_the_mistake(fn, message):
    with pytest.raises(AssertionError, match=message):
        check_next_token_loss(fn)


def test_a_loss_per_token_is_one_number_too_many():
    with pytest.raises(AssertionError, match=r"returned 27 numbers .* but one number was expected"):
        check_next_token_loss(lambda lg, t, p: F.cross_entropy(lg.transpose(1, 2), t, reduction="none"))
