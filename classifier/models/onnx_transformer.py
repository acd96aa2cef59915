"""The fine-tuned transformer at inference time: ONNX Runtime and tokenizers only.

Importing torch and transformers and loading the model takes about 5.5 s on
a 2-core machine; onnxruntime and tokenizers load an ONNX model in about
0.3 s and run it several times faster, so classification never imports
torch. Training (``training.transformer_model``) exports this file.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from classifier.errors import MissingDependencyError, ModelFormatError
from classifier.models.base import Scorer
from classifier.models.windows import length_sorted_batches, make_windows, plain_tokenizer, pool, window_warnings
from classifier.normalise import Masker

TOKENIZER_FILE = "tokenizer.json"
ONNX_FP32 = "model.onnx"
ONNX_INT8 = "model.int8.onnx"
INFERENCE_BATCH = 32


class OnnxTransformerModel(Scorer):
    kind = "transformer"
    batch_size_hint = 1024  # length sorting pays off over larger chunks (~15% faster than 256)

    def __init__(
        self,
        session,
        tokenizer,
        *,
        max_length: int,
        stride: int,
        onnx_file: str,
        masker: Masker | None = None,
        segments: str = "windows",
    ):
        self.session = session
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.stride = stride
        self.masker = masker or Masker()
        self.segments = segments
        self.onnx_file = onnx_file
        self.input_names = {i.name for i in session.get_inputs()}
        self.fitted_ = True

    def predict_proba(self, texts):
        return self._run(self._windows(list(texts)), len(texts))

    def predict_with_warnings(self, texts):
        windows = self._windows(list(texts))
        return (*self._run(windows, len(texts)), window_warnings(windows, self.max_length))

    def _run(self, windows, n_texts: int):
        n = len(windows.ids)
        stance_logits = np.zeros((n, 8), dtype=np.float32)
        tone_logits = np.zeros((n, 5), dtype=np.float32)
        for idx, input_ids, mask in length_sorted_batches(windows, INFERENCE_BATCH):
            feeds = {"input_ids": input_ids, "attention_mask": mask}
            if "token_type_ids" in self.input_names:
                feeds["token_type_ids"] = np.zeros_like(input_ids)
            s, t = self.session.run(["stance_logits", "tone_logits"], feeds)
            stance_logits[idx], tone_logits[idx] = s, t
        return pool(windows, stance_logits, tone_logits, n_texts)

    def input_warnings(self, texts):
        return window_warnings(self._windows(list(texts)), self.max_length)

    def _windows(self, texts):
        return make_windows(
            self.tokenizer, texts, self.max_length, self.stride, masker=self.masker, segments=self.segments
        )

    @classmethod
    def load(cls, directory: Path, metadata: dict) -> OnnxTransformerModel:
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:  # pragma: no cover - both are core dependencies
            raise MissingDependencyError(f"the transformer model needs onnxruntime and tokenizers ({exc})") from exc
        onnx_meta = metadata.get("onnx") or {}
        onnx_file = onnx_meta.get("file")
        config = metadata.get("model_config") or {}
        if not onnx_file or not (directory / onnx_file).is_file():
            raise ModelFormatError(f"{directory}: no ONNX file recorded in model.json; retrain the model.")
        options = ort.SessionOptions()
        options.intra_op_num_threads = int(os.environ.get("STANCE_THREADS", os.cpu_count() or 1))
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        session = ort.InferenceSession(str(directory / onnx_file), options, providers=["CPUExecutionProvider"])
        tokenizer = plain_tokenizer(Tokenizer.from_file(str(directory / TOKENIZER_FILE)))
        return cls(
            session,
            tokenizer,
            max_length=int(config.get("max_length", 128)),
            stride=int(config.get("window_stride", 96)),
            onnx_file=onnx_file,
            masker=Masker.load(directory, config),
            segments=config.get("segments", "windows"),
        )
