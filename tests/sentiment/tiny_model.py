"""A tiny sequence-classification model, built on the spot in a model folder's real layout.

The graph is a bag of words: each token's row of a small embedding table is summed over
the attention mask into three logits (negative, neutral, positive), so a few known words
decide the class. It has the inputs and output a Hugging Face ONNX export has, a
tokenizers WordLevel `tokenizer.json` and a `config.json` with `id2label`, so kulak reads
it exactly as it reads a downloaded XLM-R model. Needs the `onnx` and `tokenizers` packages.
"""

from __future__ import annotations

import json
from pathlib import Path

NEGATIVE = ("berbat", "kötü", "rezalet", "terrible", "awful", "απαίσιο", "χάλια")
POSITIVE = ("harika", "güzel", "great", "lovely", "υπέροχο", "τέλειο")
LABELS = ("negative", "neutral", "positive")


def build_tiny_model(folder: Path, labels: tuple[str, ...] = LABELS) -> Path:
    """Write model.onnx, tokenizer.json and config.json into `folder`; return it."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    from tokenizers import Tokenizer, normalizers, pre_tokenizers
    from tokenizers.models import WordLevel

    folder.mkdir(parents=True, exist_ok=True)
    vocab = {"[PAD]": 0, "[UNK]": 1}
    for word in (*NEGATIVE, *POSITIVE):
        vocab[word] = len(vocab)
    table = np.zeros((len(vocab), 3), dtype=np.float32)
    table[1] = (0.0, 0.2, 0.0)  # an unknown word leans neutral
    for word in NEGATIVE:
        table[vocab[word]] = (3.0, 0.0, -1.0)
    for word in POSITIVE:
        table[vocab[word]] = (-1.0, 0.0, 3.0)

    nodes = [
        helper.make_node("Gather", ["table", "input_ids"], ["per_token"]),
        helper.make_node("Cast", ["attention_mask"], ["mask"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["mask", "last_axis"], ["mask3"]),
        helper.make_node("Mul", ["per_token", "mask3"], ["kept"]),
        helper.make_node("ReduceSum", ["kept", "token_axis"], ["logits"], keepdims=0),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny_sentiment",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "tokens"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "tokens"]),
        ],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", len(labels)])],
        initializer=[
            numpy_helper.from_array(table, "table"),
            numpy_helper.from_array(np.array([2], dtype=np.int64), "last_axis"),
            numpy_helper.from_array(np.array([1], dtype=np.int64), "token_axis"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, folder / "model.onnx")

    tokenizer = Tokenizer(WordLevel(vocab, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.Sequence([normalizers.NFC(), normalizers.Lowercase()])
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.save(str(folder / "tokenizer.json"))

    config = {
        "model_type": "tiny-bag-of-words",
        "id2label": {str(i): name for i, name in enumerate(labels)},
        "pad_token_id": 0,
        "max_position_embeddings": 64,
    }
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    return folder
