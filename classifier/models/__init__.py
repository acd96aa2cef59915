"""Model implementations behind two contracts (``base.Scorer``, ``base.TrainableModel``).

Nothing here imports torch: the TF-IDF model needs numpy and scipy only, and
the transformer runs through ONNX Runtime at inference time.
"""

#: model kind -> "module:Class" of its inference class; imported lazily so the
#: TF-IDF path never imports onnxruntime, and nothing here imports torch
MODEL_KINDS = {
    "tfidf": "classifier.models.tfidf:TfidfModel",
    "transformer": "classifier.models.onnx_transformer:OnnxTransformerModel",
    "ensemble": "classifier.models.ensemble:EnsembleModel",
}
