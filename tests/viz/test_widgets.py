"""Dashboard figures under the portal: the lean view's wire format and the widget class it uses."""
import numpy as np
import plotly.graph_objects as go

from airtools.viz import figure_widget
from airtools.viz._widgets import _to_js


def test_numeric_arrays_travel_as_buffers_with_their_shape():
    z = np.arange(12.0).reshape(3, 4)[:, ::2]  # not contiguous
    out = _to_js({"data": [{"z": z, "i": np.arange(5, dtype=np.int64), "name": "a"}]})["data"][0]
    assert out["z"]["shape"] == [3, 2] and out["z"]["dtype"] == "float64"
    assert np.array_equal(np.frombuffer(out["z"]["buffer"], dtype=np.float64).reshape(3, 2), z)
    assert out["i"]["dtype"] == "int32" and np.array_equal(np.frombuffer(out["i"]["buffer"], np.int32), np.arange(5))
    assert out["name"] == "a"


def test_wide_integers_and_other_arrays_keep_their_values():
    big = np.array([0, 2**40], dtype=np.int64)
    out = _to_js(big)
    assert out["dtype"] == "float64" and np.array_equal(np.frombuffer(out["buffer"], np.float64), big)
    assert _to_js(np.array(["a", "b"])) == ["a", "b"]
    assert _to_js(np.zeros((2, 2, 2))) == np.zeros((2, 2, 2)).tolist()


def test_portal_figures_use_the_lean_view(monkeypatch):
    monkeypatch.setenv("AIRTOOLS_VOILA_URL", "http://127.0.0.1:8866")
    w = figure_widget(go.Figure(go.Heatmap(z=np.eye(2))))
    code = w._esm.split("\n\n", 1)[1]  # after the header comment
    assert "_py2js_update" in code and "_js2py_traceDeltas" not in code  # edits applied, no echo of the state
    assert w._config["plotGlPixelRatio"] == 1
    state = w.get_state()  # the traits serialise through _to_js: binary buffers, no JSON lists of numbers
    assert state["_widget_data"][0]["z"]["shape"] == [2, 2]
    monkeypatch.delenv("AIRTOOLS_VOILA_URL")
    assert type(figure_widget(go.Figure())).__name__ == "FigureWidget"  # plotly's own view elsewhere


def test_tick_labels_may_overflow_unless_the_figure_says_otherwise():
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=2)
    fig.add_heatmap(z=np.eye(2), row=1, col=1)
    fig.add_scatter(y=[1, 2], marker=dict(color=[1, 2], showscale=True), row=1, col=2)
    fig.update_layout(coloraxis=dict(colorscale="RdBu"))
    fig.update_yaxes(ticklabeloverflow="hide past domain", col=2)
    w = figure_widget(fig)
    assert [w.layout[a].ticklabeloverflow for a in ("xaxis", "xaxis2", "yaxis")] == ["allow"] * 3
    assert w.layout.yaxis2.ticklabeloverflow == "hide past domain"  # the figure's own choice stays
    assert w.data[0].colorbar.ticklabeloverflow == w.data[1].marker.colorbar.ticklabeloverflow == "allow"
    assert w.layout.coloraxis.colorbar.ticklabeloverflow == "allow"
    assert fig.layout.xaxis.ticklabeloverflow is None  # the figure passed in is not changed
    assert w.layout.template.layout.font.color is not None  # plotly's default template kept
