"""stance-and-tone: what official statements do (stance) and in what register (tone).

The package imports nothing heavy at import time; see ``classifier.predictor``
for classifying and ``training.pipeline`` for training.
"""

__version__ = "0.1.0"
