// A lean browser view for plotly's FigureWidget (anywidget ESM), used by dashboards under the portal.
//
// It speaks the Python side's protocol (`_widget_data`, `_widget_layout`, `_config`, `_py2js_*`) and calls
// plotly.js directly. Plotly's own view also answers every Python edit with the figure's full computed
// state (`_js2py_traceDeltas`, `_js2py_layoutDelta`: a deep copy of every trace, arrays included, then a
// kernel round trip); dashboards never read that state, and without a GPU it costs 10-30 ms per figure
// and update. Clicks still reach Python (`trace.on_click`); a figure shown twice starts from the state Python
// sent at creation (dashboards show each figure once). plotly.js is the installed plotly's
// `plotly.min.js`, served by the portal and loaded once per page.

const config = document.getElementById("jupyter-config-data");
const base = (config && JSON.parse(config.textContent).baseUrl) || "/";
const PLOTLY_URL = new URL(base.replace(/\/?$/, "/") + "airtools/plotly/plotly.min.js", window.location.origin).href;

function plotly() {
  // plotly.min.js assigns window.Plotly when it runs; the module map runs it once per page
  window.__airtoolsPlotly ??= import(PLOTLY_URL).then(() => window.Plotly);
  return window.__airtoolsPlotly;
}

const TYPED = {int8: Int8Array, int16: Int16Array, int32: Int32Array, uint8: Uint8Array, uint16: Uint16Array,
               uint32: Uint32Array, float32: Float32Array, float64: Float64Array};

// Python sends numeric arrays as {buffer, dtype, shape} (airtools.viz._widgets._to_js); a matrix becomes
// rows that are views of one typed array, which plotly takes for heatmap z
function decode(value) {
  if (Array.isArray(value)) return value.map(decode);
  if (value === "_undefined_") return undefined;
  if (value === null || typeof value !== "object" || ArrayBuffer.isView(value)) return value;
  if ("buffer" in value && "dtype" in value && "shape" in value) {
    const Typed = TYPED[value.dtype];
    const view = ArrayBuffer.isView(value.buffer) ? value.buffer : new DataView(value.buffer);
    const aligned = view.byteOffset % Typed.BYTES_PER_ELEMENT === 0;  // else copy: typed arrays need alignment
    const flat = aligned ? new Typed(view.buffer, view.byteOffset, view.byteLength / Typed.BYTES_PER_ELEMENT)
                         : new Typed(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
    if (value.shape.length < 2) return flat;
    const [rows, cols] = value.shape;
    return Array.from({length: rows}, (_, i) => flat.subarray(i * cols, (i + 1) * cols));
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decode(v)]));
}

function points(event) {
  const pts = event.points || [];
  return {trace_indexes: pts.map((p) => p.curveNumber), point_indexes: pts.map((p) => p.pointNumber),
          xs: pts.map((p) => p.x), ys: pts.map((p) => p.y)};
}

function attached(el) {
  // anywidget renders before the view is in the page; an autosized figure must measure its container
  return new Promise((resolve) => {
    const wait = () => (el.isConnected ? resolve() : requestAnimationFrame(wait));
    wait();
  });
}

// A figure's first draw can take a long task (plotly.js itself is evaluated first; a 3-D scene sets up
// WebGL). First draws take turns, each in its own task after a paint, so the page shows its widgets at
// once and the figures appear one by one, instead of one task of ~1.5 s that blocks the page until all
// of them are drawn.
function inTurn(draw) {
  const afterPaint = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  const turn = (window.__airtoolsFirstDraws ?? Promise.resolve()).then(afterPaint).then(draw);
  window.__airtoolsFirstDraws = turn.catch(() => {});
  return turn;
}

function render({model, el}) {
  const traces = (indexes) => (indexes == null ? el.data.map((_, i) => i) : [].concat(indexes));
  const handlers = {
    _py2js_update: (m, P) => P.update(el, decode(m.style_data), decode(m.layout_data), traces(m.style_traces)),
    _py2js_restyle: (m, P) => P.restyle(el, decode(m.restyle_data), traces(m.restyle_traces)),
    _py2js_relayout: (m, P) => P.relayout(el, decode(m.relayout_data)),
    _py2js_addTraces: (m, P) => P.addTraces(el, decode(m.trace_data)),
    _py2js_deleteTraces: (m, P) => P.deleteTraces(el, m.delete_inds),
    _py2js_moveTraces: (m, P) => P.moveTraces(el, m.current_trace_inds, m.new_trace_inds),
  };
  const layout = decode(model.get("_widget_layout"));
  layout.height ??= 360;  // as plotly's own view
  // edits apply in order, the first after the figure is drawn; Python sets each message, then None
  let queue = Promise.all([plotly(), attached(el)]).then(([P]) => inTurn(() =>
    P.newPlot(el, decode(model.get("_widget_data")), layout, {...decode(model.get("_config")), editSelection: false})));
  const listeners = Object.entries(handlers).map(([name, apply]) => {
    const listener = () => {
      const m = model.get(name);
      if (m) queue = queue.then(() => apply(m, window.Plotly));
    };
    model.on(`change:${name}`, listener);
    return [name, listener];
  });
  const resize = () => { if (el.layout && el.layout.width == null) window.Plotly.Plots.resize(el); };
  queue.then(() => {
    window.addEventListener("resize", resize);
    el.on("plotly_click", (event) => {
      model.set("_js2py_pointsCallback", {event_type: "plotly_click", points: points(event), device_state: null,
                                          selector: null});
      model.save_changes();
    });
  });
  return () => {
    for (const [name, listener] of listeners) model.off(`change:${name}`, listener);
    window.removeEventListener("resize", resize);
    queue.then(() => window.Plotly.purge(el));
  };
}

export default {render};
