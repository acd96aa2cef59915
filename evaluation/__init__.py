"""Evaluation: pure metrics, the harness that runs models on the same statements, and the reports.

``harness.compare`` (or ``harness.evaluate`` for one model's metrics) computes;
``reports.render_reports`` renders ``report.md`` and ``report.html`` from the
results dict alone.
"""
