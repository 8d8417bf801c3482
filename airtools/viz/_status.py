"""The status line and "train" button of a dashboard that shows a trained model, and training it in the
background so that the page stays live (one helper for every dashboard, instead of one copy each).

    status = viz.ModelStatus(ready="model: SchNet trained on this molecule (cached)",
                             missing="model not trained yet — press the button (runs in the background)",
                             busy="training… (a few minutes in the background)", button="train model")
    status.show(trained=model is not None)
    status.button.on_click(lambda _: status.train(fit=lambda: zoo.load("..."), done=use_the_model))
    status.watch(load=lambda: zoo.load("...", train=False), done=use_the_model,
                 progress=lambda: training.describe("..."))  # trained elsewhere: the portal's background run

The status text sits in a ``<span class="model-status">`` (browser tests read it); a failure is shown in red,
never raised into the page.
"""
from __future__ import annotations

import html
import threading
import time
from typing import Callable

__all__ = ["ModelStatus"]


class ModelStatus:
    """A dashboard's model state: ``html`` (an ``ipywidgets.HTML``) and ``button`` (an ``ipywidgets.Button``).

    Args:
        ready: the text when a model is there; missing: the text before one is trained (say what the page
            shows meanwhile); busy: the text while training runs; button: the button's label.

    >>> s = ModelStatus(ready="trained", missing="not trained yet", busy="training…")
    >>> s.show(trained=False); "not trained yet" in s.html.value, s.button.layout.display
    (True, None)
    >>> s.train(fit=lambda: 1 / 0, done=print).join(); "ZeroDivisionError" in s.html.value
    True
    """

    def __init__(self, *, ready: str, missing: str, busy: str, button: str = "train model"):
        import ipywidgets as w

        self.ready, self.missing, self.busy = ready, missing, busy
        self.html = w.HTML()
        self.button = w.Button(description=button, layout=w.Layout(width="220px"))
        self.trained = False
        self._training = False  # this page's own training (the button) runs

    def show(self, trained: bool) -> None:
        """Say whether a model is there; the button shows only while none is."""
        self.trained = trained
        self.button.layout.display = "none" if trained else None
        self.button.disabled = False
        self._say(self.ready if trained else self.missing)

    def watch(self, load: Callable[[], object | None], done: Callable[[object], None],
              progress: Callable[[], str | None] | None = None, every: float = 2.0) -> threading.Thread:
        """While no model is shown, every ``every`` s: ``load()`` (the cached model or None), ``done(model)`` once
        it is there; meanwhile the status line says ``progress()`` (e.g. a background run's state) when not None.

        For a model trained by another process (the portal's background training, ``airtools zoo build``):
        the page switches to it without a reload. The thread is a daemon and lives as long as the kernel.

        >>> s = ModelStatus(ready="trained", missing="not trained yet", busy="training…")
        >>> s.show(trained=False)
        >>> models = iter([None, "model"])
        >>> _ = s.watch(load=lambda: next(models), done=lambda m: s.show(trained=True), every=0.01)
        >>> import time; t0 = time.time()
        >>> while not s.trained and time.time() - t0 < 10: time.sleep(0.01)
        >>> s.trained, "trained" in s.html.value
        (True, True)
        """
        def tick():
            while True:
                time.sleep(every)
                if self.trained or self._training:
                    continue
                try:
                    model = load()
                    if model is not None:
                        done(model)
                        continue
                    text = progress() if progress is not None else None
                    self._say(text or self.missing)
                    self.button.disabled = text is not None  # the background run will deliver it
                except Exception as err:  # shown, never raised into the page
                    self._say(f"model: {type(err).__name__}: {err}", colour="#b00020")

        thread = threading.Thread(target=tick, daemon=True)
        thread.start()
        return thread

    def train(self, fit: Callable[[], object], done: Callable[[object], None]) -> threading.Thread:
        """Run ``fit()`` in a daemon thread, then ``done(model)``; errors become a red status line.

        Returns:
            the started thread (a test can ``join`` it).
        """
        def work():
            try:
                done(fit())
            except Exception as err:  # shown, never raised into the page
                self._say(f"training failed: {type(err).__name__}: {err}", colour="#b00020")
                self.button.disabled = False
            finally:
                self._training = False

        self._training = True
        self.button.disabled = True
        self._say(self.busy)
        thread = threading.Thread(target=work, daemon=True)
        thread.start()
        return thread

    def _say(self, text: str, colour: str | None = None) -> None:
        style = f' style="color:{colour}"' if colour else ""
        self.html.value = f'<span class="model-status"{style}>{html.escape(text)}</span>'

