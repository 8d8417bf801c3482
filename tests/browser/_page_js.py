"""What the browser harness and ``benchmarks/dashboards_load.py`` evaluate in a Voila page to know it is shown.

``MUTATION_CLOCK`` is an init script (runs before any page script): ``window.__airtoolsFirstWidget`` is the
animation frame (ms after navigation) at which the first widget was laid out and visible, and
``window.__airtoolsLastMutation`` the time of the latest DOM change. ``ALL_RENDERED`` is true once every output
and every plotly figure is drawn and the DOM has been quiet for 0.5 s.
"""

# installed before any page script: time of the latest DOM change (for "everything rendered"), and the
# frame at which the first widget became visible (checked on every animation frame until then)
MUTATION_CLOCK = """window.__airtoolsLastMutation = 0;
new MutationObserver(() => { window.__airtoolsLastMutation = performance.now(); })
  .observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
window.__airtoolsFirstWidget = null;
const firstWidget = (frame) => {
  const shown = [...document.querySelectorAll('.jupyter-widgets')].some((el) => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && box.top < innerHeight &&
           el.checkVisibility({opacityProperty: true, visibilityProperty: true});
  });
  if (shown) window.__airtoolsFirstWidget = frame; else requestAnimationFrame(firstWidget);
};
requestAnimationFrame(firstWidget);"""
# true once Voila processed every output, every widget/figure view is attached and drawn, and the DOM
# has been quiet for 0.5 s
ALL_RENDERED = """() => {
  const cells = document.querySelector('#rendered_cells');
  if (!cells || cells.offsetParent === null) return false;
  if (document.querySelector('script[type="application/vnd.voila.cell-output+json"]')) return false;
  const outputs = [...document.querySelectorAll('.jp-OutputArea-output.lm-Panel')];
  if (outputs.some(o => o.childElementCount === 0)) return false;
  const plots = [...document.querySelectorAll('.js-plotly-plot')];
  if (document.querySelector('.jupyter-widgets') === null || !plots.every(p => p.querySelector('.main-svg')))
    return false;
  return performance.now() - window.__airtoolsLastMutation > 500;  // views that load code late included
}"""
