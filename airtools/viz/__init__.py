"""Plotting helpers shared by lessons and dashboards: plotly figures and py3Dmol views.

Functions on the sphere (spherical harmonics), matrices (Wigner-D, Clebsch-Gordan blocks) as diverging
heatmaps with zero at white, molecules, proteins and crystals in 3-D, widgets plumbing for dashboards, and the
portal's catalog of lessons and dashboards. Figures receive arrays: nothing here runs a model or a solver.
3Dmol.js is served locally at ``THREEDMOL_URL`` (never a CDN).

Names are loaded lazily: ``from airtools.viz import lesson_catalog`` (the portal's landing page) reads
notebooks without importing torch or plotly.

>>> import airtools.viz as viz
>>> viz.THREEDMOL_URL
'/airtools/static/3Dmol-min.js'
"""
from airtools._lazy import lazy_names

_WHERE = {
    "_sphere": ["sphere_figure", "update_sphere", "harmonic_figure", "harmonic_on_grid", "rotated_harmonic",
                "harmonic_identity_error", "precompute_harmonics"],
    "_matrices": ["matrix_heatmap", "update_heatmap", "m_labels", "wigner_D_figure", "clebsch_gordan_figure",
                  "clebsch_gordan_matrix", "decomposition_text"],
    "_matrix_table": ["matrix_html"],
    "_molecules": ["molecule_figure", "atom_values_figure", "update_atom_values", "bonds", "frame_molecule"],
    "_arrows": ["add_arrows", "update_molecule", "parse_quaternion"],
    "_py3dmol": ["molecule_view"],
    "_catalog": ["lesson_catalog", "dashboard_catalog", "catalog_html"],
    "_widgets": ["guard", "set_bounds", "parse_angles", "figure_widget"],
    "_status": ["ModelStatus"],
    "_quantum": ["convergence_figure", "density_figure", "update_density"],
    "_proteins": ["ramachandran_figure", "contact_map_figure", "protein_view", "restyle_script", "update_ramachandran",
                  "update_contact_map", "highlight_residue", "SS_COLORS"],
    "_crystals": ["crystal_figure", "update_crystal", "energy_strain_figure"],
    "_generative": ["generation_figure", "update_generation", "metric_curves_figure", "move_time_marker",
                    "sample_cards", "crystal_cards", "torsion_histograms"],
    "_assets": ["THREEDMOL_URL", "THREEDMOL_VERSION"],
}
__all__, __getattr__, __dir__ = lazy_names("airtools.viz", _WHERE)
