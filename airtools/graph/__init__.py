"""Graphs of atoms: radius graphs (molecules and periodic crystals), edge vectors, batching, scatter sums.

Conventions (PyG's "source_to_target"): ``edge_index[0]`` is the source j (the neighbour that sends a
message), ``edge_index[1]`` the target i (the atom that receives it); a batch vector ``batch: [n_atoms]``
says which molecule each atom belongs to, sorted, starting at 0. Periodic graphs add integer image
``shifts: [n_edges, 3]`` so that the edge vector is ``pos[j] + shifts @ cell - pos[i]``.
"""
from ._batch import batch_molecules, check_batch, num_graphs, scatter_sum
from ._periodic import check_cell, periodic_edge_vectors, periodic_radius_graph
from ._radius import edge_vectors, radius_graph

__all__ = ["radius_graph", "edge_vectors", "batch_molecules", "num_graphs", "scatter_sum", "check_batch",
           "periodic_radius_graph", "periodic_edge_vectors", "check_cell"]
