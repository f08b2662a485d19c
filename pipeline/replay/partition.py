"""Re-lay a replay's flat daily files into date partitions, as scheduled exports arrive.

`triage simulate` writes ``feedback/2025-08-01.jsonl``; a scheduled export usually lands as
``feedback/date=2025-08-01/part-00000.jsonl``. `partition_replay` copies a replay into that
layout (feedback, routing, traffic) so the scheduled runs are tested on partitioned inputs;
``deploys/`` and ``truth/`` are copied unchanged (the change log is not daily).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

DAILY_FOLDERS = {"feedback": "jsonl", "routing": "parquet", "traffic": "parquet"}
_DAY_FILE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.(jsonl|parquet)$")


def partition_replay(src: Path, dst: Path) -> dict[str, int]:
    """Copy replay ``src`` to ``dst`` with daily files as ``<folder>/date=D/part-00000.<ext>``.

    Returns {folder: number of partitions written}. Files that are not named ``YYYY-MM-DD``
    are copied into the same folder unchanged. ``dst`` must not exist yet (no silent merge).
    """
    src, dst = Path(src), Path(dst)
    if not (src / "feedback").is_dir():
        raise ValueError(f"{src} is not a replay (no feedback/ folder)")
    if dst.exists():
        raise FileExistsError(f"{dst} already exists")
    counts: dict[str, int] = {}
    for folder, ext in DAILY_FOLDERS.items():
        counts[folder] = 0
        (dst / folder).mkdir(parents=True)
        for path in sorted((src / folder).glob(f"*.{ext}")) if (src / folder).is_dir() else []:
            m = _DAY_FILE.match(path.name)
            if m is None:
                shutil.copy2(path, dst / folder / path.name)
                continue
            part = dst / folder / f"date={m.group(1)}"
            part.mkdir()
            shutil.copy2(path, part / f"part-00000.{ext}")
            counts[folder] += 1
    for folder in ("deploys", "truth"):
        if (src / folder).is_dir():
            shutil.copytree(src / folder, dst / folder)
    return counts
