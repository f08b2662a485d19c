"""Code blocks the replay's model answers contain, valid in their language, and ways to break them.

«IDENT» slots take identifiers, some of which look like personal names (``Jordan``,
``parse_smith``): they are code, not personal data, and must survive redaction.
"""

from __future__ import annotations

import ast
import json
import random
import re

IDENTS = (
    "items",
    "orders",
    "rows",
    "payload",
    "records",
    "users",
    "Jordan",
    "parse_smith",
    "Maria",
    "build_index",
    "cache",
    "buffer",
    "results",
    "kelly_score",
    "data",
)

SNIPPETS: dict[str, tuple[str, ...]] = {
    "python": (
        "def total_price(«IDENT»):\n    total = 0\n    for item in «IDENT»:\n"
        "        total += item.price * item.qty\n    return total\n",
        "class «CLASS»:\n    def __init__(self, name):\n        self.name = name\n\n"
        '    def greet(self):\n        return f"hello {self.name}"\n',
        "import json\n\n\ndef load_config(path):\n    with open(path) as fh:\n"
        "        return json.load(fh)\n",
        '«IDENT» = sorted(«IDENT», key=lambda r: r["created_at"], reverse=True)\n'
        "top = «IDENT»[:10]\nprint(len(top))\n",
        "async def fetch_all(session, urls):\n    tasks = [session.get(u) for u in urls]\n"
        "    return await asyncio.gather(*tasks)\n",
        "try:\n    value = int(raw)\nexcept ValueError:\n    value = None\n",
        "@dataclass\nclass «CLASS»:\n    id: int\n    email_verified: bool = False\n",
    ),
    "javascript": (
        "function sumBy(«IDENT», key) {\n"
        "  return «IDENT».reduce((acc, x) => acc + x[key], 0);\n}\n",
        "const express = require('express');\nconst app = express();\n"
        "app.get('/health', (req, res) => res.json({ ok: true }));\napp.listen(3000);\n",
        "async function loadUser(id) {\n  const res = await fetch(`/api/users/${id}`);\n"
        "  if (!res.ok) {\n    throw new Error('failed');\n  }\n  return res.json();\n}\n",
        "const «IDENT» = [3, 1, 2].map((n) => n * 2).filter((n) => n > 2);\n"
        "console.log(«IDENT»);\n",
    ),
    "typescript": (
        "interface «CLASS» {\n  id: number;\n  name: string;\n}\n\n"
        "export function byId(xs: «CLASS»[], id: number): «CLASS» | undefined {\n"
        "  return xs.find((x) => x.id === id);\n}\n",
        "type Result<T> = { ok: true; value: T } | { ok: false; error: string };\n\n"
        "export const wrap = <T,>(value: T): Result<T> => ({ ok: true, value });\n",
    ),
    "json": (
        '{\n  "name": "billing-service",\n  "version": "2.3.1",\n'
        '  "scripts": {\n    "test": "jest",\n    "build": "tsc -p ."\n  }\n}\n',
        '{\n  "id": 42,\n  "tags": ["a", "b"],\n  "active": true,\n  "limits": {"rpm": 60}\n}\n',
    ),
    "sql": (
        "SELECT u.id, u.name, COUNT(o.id) AS orders\nFROM users u\n"
        "LEFT JOIN orders o ON o.user_id = u.id\nWHERE u.created_at > '2025-01-01'\n"
        "GROUP BY u.id, u.name\nORDER BY orders DESC\nLIMIT 20;\n",
        "UPDATE accounts\nSET status = 'closed'\nWHERE last_login < NOW() - INTERVAL '2 years';\n",
        "CREATE TABLE events (\n  id BIGINT PRIMARY KEY,\n  kind TEXT NOT NULL,\n"
        "  created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP\n);\n",
    ),
    "bash": (
        'for f in *.log; do\n  gzip "$f"\ndone\n',
        "if [ -f .env ]; then\n  source .env\nfi\nnpm run build\n",
        'set -euo pipefail\nfor dir in src tests; do\n  ruff check "$dir"\ndone\n',
    ),
}

#: Keywords whose split or misspelling is a certain syntax error, per language.
BREAKABLE = {
    "python": ("def", "return", "class", "for", "import", "except", "with"),
    "javascript": ("function", "const", "return"),
    "typescript": ("interface", "function", "return", "export"),
    "json": (),
    "sql": ("SELECT", "UPDATE", "CREATE", "FROM", "GROUP"),
    "bash": ("if", "for"),
}

THAI_WORDS = ("ครับ", "ที่", "การ", "สวัสดี", "ภาษา", "ข้อมูล", "ของ", "และ", "ได้")
HAN_WORDS = ("的", "是", "数据", "函数", "返回", "我们", "问题", "这个", "不")


def foreign_run(rng: random.Random, script: str | None = None) -> str:
    script = script or rng.choice(("thai", "han"))
    words = THAI_WORDS if script == "thai" else HAN_WORDS
    return "".join(rng.choice(words) for _ in range(rng.randint(1, 3)))


def snippet(rng: random.Random, lang: str) -> str:
    text = rng.choice(SNIPPETS[lang])
    ident = rng.choice(IDENTS)
    cls = rng.choice(("Jordan", "Customer", "Invoice", "Priya", "Order", "Session"))
    return text.replace("«IDENT»", ident).replace("«CLASS»", cls)


def parses(code: str, lang: str) -> bool | None:
    """True/False where the replay can check it itself (Python, JSON); None otherwise."""
    if lang == "python":
        try:
            ast.parse(code)
        except SyntaxError:
            return False
        return True
    if lang == "json":
        try:
            json.loads(code)
        except ValueError:
            return False
        return True
    return None


def break_code(rng: random.Random, code: str, lang: str, foreign: str | None):
    """Corrupt ``code`` so it no longer parses, like a sampler glitch would.

    With ``foreign`` the run is spliced into a keyword (``ret的urn``): both a syntax error and
    an unexpected script. Without it a keyword loses a letter (``functon``). Returns
    ``(broken_code, start, end)`` with the offsets of the damaged token, or None when the
    snippet has nothing breakable.
    """
    if lang == "json":
        m = list(re.finditer(r'": ', code))
        if not m:
            return None
        at = rng.choice(m).end()
        token = foreign if foreign else "}"
        broken = code[:at] + token + code[at:]
        return broken, at, at + len(token)
    candidates = []
    for kw in BREAKABLE[lang]:
        candidates += [mm for mm in re.finditer(rf"(?<![\w.]){kw}(?!\w)", code)]
    if not candidates:
        return None
    m = rng.choice(candidates)
    kw = m.group(0)
    cut = rng.randint(1, len(kw) - 1)
    if foreign:
        new = kw[:cut] + foreign + kw[cut:]
    else:
        new = kw[:cut] + kw[cut + 1 :] if len(kw) > 2 else kw[0] + "x" + kw[1:]
    broken = code[: m.start()] + new + code[m.end() :]
    ok = parses(broken, lang)
    if ok:  # a split that still parses is not the corruption we promise; give up on it
        return None
    return broken, m.start(), m.start() + len(new)


def drop_token(rng: random.Random, code: str, lang: str):
    """The top-k bug's glitch in code: the most likely punctuation token goes missing."""
    if lang != "python":
        return None
    spots = [m for m in re.finditer(r"\):\n|\(", code)]
    rng.shuffle(spots)
    for m in spots:
        drop = 1 if m.group(0) == "(" else 2
        at = m.start() + (0 if m.group(0) == "(" else 1)
        broken = code[:at] + code[at + (1 if drop == 1 else 1) :]
        if parses(broken, lang) is False:
            return broken, max(0, at - 1), at + 1
    return None
