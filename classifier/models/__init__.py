"""Model implementations behind one interface (``base.StanceToneModel``).

Nothing here imports torch: the TF-IDF model needs numpy and scipy only, and
the transformer runs through ONNX Runtime at inference time.
"""
