"""Typed errors: the library raises them, only the CLI turns them into a line and an exit code."""

from __future__ import annotations


class StanceError(Exception):
    """Base class for errors a user can act on (exit code 2 in the CLI)."""


class DataError(StanceError):
    """Bad input data. Carries every problem found, each as ``FILE:LINE: field: message``."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        shown = self.problems[:20]
        more = len(self.problems) - len(shown)
        text = "\n".join(shown) + (f"\n... and {more} more problems" if more > 0 else "")
        super().__init__(text)


class ModelFormatError(StanceError):
    """A model directory that is missing, tampered with, or built for another schema or format."""


class NoModelError(StanceError):
    """No trained model to choose from: train one (``stance setup`` or ``classifier.train``)."""


class ModelExistsError(StanceError):
    """Refusing to overwrite a trained model without ``--force``."""


class ConfigError(StanceError):
    """A setting outside its valid range."""


class MissingDependencyError(StanceError):
    """An optional dependency (torch, onnxruntime) is needed for this model kind."""


# -- batch runs ---------------------------------------------------------------


class BatchInterrupted(StanceError):
    """Ctrl-C during a run: the rows written so far are kept for ``resume=True``."""

    def __init__(self, rows_done: int, resume_hint: str, partial_path: object = None):
        self.rows_done = rows_done
        self.resume_hint = resume_hint
        self.partial_path = partial_path
        super().__init__(f"interrupted after {rows_done} rows. {resume_hint}")


class OutputExistsError(StanceError):
    """Refusing to replace a finished output file without ``overwrite=True`` (``--force``)."""


class ResumeError(StanceError):
    """``resume=True`` cannot continue: the partial output belongs to another input, model or options."""


class OutputBusyError(StanceError):
    """Another run is writing the same output file."""
