"""Evaluation: pure metrics, the harness that runs models on the same statements, and the reports.

``harness.compare`` (or ``harness.evaluate`` for one model's metrics) computes;
``reports.render_reports`` renders ``report.md`` and ``report.html`` from the
results dict alone.
"""

__all__ = ["compare", "evaluate"]


def __getattr__(name: str):
    """``evaluation.compare`` and ``evaluation.evaluate`` without importing the harness until used."""
    if name in __all__:
        from evaluation import harness

        return getattr(harness, name)
    raise AttributeError(f"module 'evaluation' has no attribute {name!r}")
