"""Figures of generative models: atoms that move and change element in place, metric curves with a time marker,
sample cards that mark invalid molecules, crystal cards that mark invalid crystals, torsion histograms side by side;
bad arrays get a ValueError."""
import numpy as np
import pytest

from airtools.viz import (crystal_cards, generation_figure, metric_curves_figure, move_time_marker, sample_cards,
                          torsion_histograms, update_generation)

WATER = ([8, 1, 1], [[0, 0, 0], [0.96, 0, 0], [-0.24, 0.93, 0]])


def test_generation_figure_draws_the_given_bonds_and_one_colour_per_atom():
    fig = generation_figure(*WATER, [[0, 1], [0, 2]], ghost=np.zeros((3, 3)))
    bonds, atoms, ghost = fig.data
    seg = np.array([bonds.x, bonds.y, bonds.z], dtype=float).T
    assert np.allclose(seg[1], WATER[1][1]) and np.isnan(seg[2]).all() and len(seg) == 6
    assert atoms.marker.color[0] != atoms.marker.color[1] == atoms.marker.color[2]  # O red, H white
    assert ghost.name == "ghost" and fig.layout.scene.aspectmode == "cube"
    r = fig.layout.scene.xaxis.range
    assert r[0] == -r[1] and r[1] == pytest.approx(0.96 + 1.5)


def test_update_moves_and_recolours_in_place():
    fig = generation_figure(*WATER, [[0, 1], [0, 2]], radius=5)
    update_generation(fig, [6, 1, 1], np.array(WATER[1]) * 2, bonds=None, title="t = 0.5")
    assert list(fig.data[1].text) == ["C0", "H1", "H2"] and fig.data[1].x[1] == pytest.approx(1.92)
    assert len(fig.data[0].x) == 0 and fig.layout.title.text == "t = 0.5"
    assert fig.layout.scene.xaxis.range == (-5, 5)  # the scene stays put


def test_metric_curves_are_percent_over_reversed_time_with_a_marker():
    fig = metric_curves_figure([1.0, 0.5, 0.0], {"validity": [0, 0.5, 1], "atom stability": [0, 0.2, 0.9]})
    assert [t.name for t in fig.data] == ["validity", "atom stability", "now"]
    assert list(fig.data[0].y) == [0, 50, 100] and fig.layout.xaxis.autorange == "reversed"
    move_time_marker(fig, 0.25)
    assert list(fig.data[-1].x) == [0.25, 0.25]
    with pytest.raises(ValueError, match="expected 3 values"):
        metric_curves_figure([1.0, 0.5, 0.0], {"validity": [0, 1]})


def test_sample_cards_draw_valid_molecules_and_mark_invalid_ones():
    text = sample_cards(["CCO", None, "C#N"], [True, False, False], labels=["a", "b", "c"])
    assert text.count('class="sample-card valid"') == 2 and text.count('class="sample-card invalid"') == 1
    assert "<svg" in text and "<?xml" not in text and "✓ stable" in text and text.count("✗ unstable") == 2
    with pytest.raises(ValueError, match="one per molecule"):
        sample_cards(["C"], [True, False])


def test_crystal_cards_judge_the_closest_pair_against_the_stated_distance():
    text = crystal_cards([2.0, 1.99, 2.6], ["Fm-3m (225)", "P1 (1)", "Im-3m (229)"], [0.0021, np.inf, np.nan],
                         selected=2, labels=["a", "b", "c"])
    assert text.count('class="crystal-card valid"') == 2 and text.count('class="crystal-card invalid"') == 1
    assert "+0.002 eV/atom" in text and "EMT failed" in text and "…" in text and text.count("2px solid") == 1
    assert crystal_cards([1.5], ["P1 (1)"], valid_distance=1.4).count('crystal-card valid') == 1
    with pytest.raises(ValueError, match="one per crystal"):
        crystal_cards([2.5, 2.5], ["P1 (1)"])


def test_torsion_histograms_are_densities_side_by_side():
    fig = torsion_histograms({"reference": [60, 180, -60], "model": np.zeros(5)}, bins=12)
    assert [t.histnorm for t in fig.data] == ["probability density"] * 2
    assert fig.data[0].xaxis == "x" and fig.data[1].xaxis == "x2"
    with pytest.raises(ValueError, match="at least one"):
        torsion_histograms({})


def test_bad_arrays_say_what_is_wrong():
    with pytest.raises(ValueError, match=r"expected shapes \[n_atoms\] and \[n_atoms, 3\]"):
        generation_figure([8, 1], WATER[1])
    with pytest.raises(ValueError, match="finite"):
        generation_figure([8], [[np.nan, 0, 0]])
    with pytest.raises(ValueError, match="bonds: atom indices"):
        generation_figure(*WATER, [[0, 3]])
