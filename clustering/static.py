"""Static (model2vec-style) embedding distilled offline from the installed sentence model.

Steps (same recipe as model2vec's ``distill``, written here because that package's distill
extra would replace the project's transformers version):

1. every vocabulary token ``t`` is run through the transformer as ``[CLS] t [SEP]`` and its
   output mean-pooled: one 384-d vector per token;
2. PCA (``dim`` components, fixed random_state) centres and rotates the table, removing the
   direction all tokens share;
3. each row is scaled by an SIF weight from the token's Zipf rank (the WordPiece vocabulary is
   roughly frequency ordered): ``w = a / (a + p(rank))``, so frequent sub-words count less.

The result is a ``sentence_transformers`` model with one ``StaticEmbedding`` module: encoding a
text is tokenisation plus a mean over table rows.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import numpy as np

os.environ["HF_HUB_OFFLINE"] = "1"


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
    from clustering.embed import default_model_path

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
