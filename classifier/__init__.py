"""stance-and-tone: what official statements do (stance) and in what register (tone).

    import classifier
    model = classifier.load()
    model.classify(["We condemn the attack and call on the Security Council to act."])

The package imports nothing heavy at import time: ``load`` and the result
objects live in ``classifier.api``; ``train`` is the one entry point into the
training code, imported only when called (like the CLI, this is the
application's front door; nothing else in the runtime imports training).
"""

__version__ = "0.1.0"


def load(model=None, **options):
    """A loaded model: see ``classifier.api.load``."""
    from classifier.api import load as _load

    return _load(model, **options)


def train(kind: str = "tfidf", data=None, out=None, **options):
    """Train a model of ``kind`` on a labelled JSONL file (default: the bundled corpus); returns a ``TrainResult``.

    ``out`` defaults to the models directory; options go to ``training.pipeline.train_model``
    (``config=``, ``force=``). For ``kind="ensemble"`` pass ``members=[DIR, ...]``.
    """
    from classifier import paths

    data = data or paths.DEFAULT_DATA
    out = out or paths.default_model_dir(kind)
    if kind == "ensemble":
        from training.ensemble import train_ensemble

        return train_ensemble(options.pop("members"), data, out, **options)
    from training.pipeline import train_model

    return train_model(kind, data, out, **options)
