"""Redaction quality on sets the project did not write (issue 18, item 5).

(a) presidio-evaluator's PresidioSentenceFaker (its own templates and name lists);
(b) a multicultural set: first and last names sampled from names-dataset across every
    country it has (Latin-script names, ranks up to 20,000: beyond the lexicon's cut-offs),
    phones from ``phonenumbers.example_number_for_type`` for every region in national and
    international format, inside varied sentences (sign-offs, parentheses, lists, code
    comments, other languages) and sentences with no personal data (places, tools, code);
(c) the replay (``triage simulate``), with symptom survival.

Tune on one seed, report another: ``--seed`` picks the sets' seed. Prints and writes counts
and ratios only. Run:
``nice -n 10 .venv/bin/python bench/eval_redaction_external.py --seed 2024 --replay DIR``
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import pickle
import random
from pathlib import Path

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from redaction.evaluate import LabeledText, evaluate, load_presidio_evaluator, load_replay

OUT = Path("bench/results/redaction_external.json")

# {name}: a person, {phone}: a phone; every template is filled from the seed's samples.
TEMPLATES = [
    "The export keeps timing out.\nThanks,\n{name}",
    "Kind regards, {name}",
    "sent by {name} from the mobile app",
    "cc: {name} - the summary dropped half the table",
    "my manager {name} asked me to report this",
    "Ask {name} (PM) about the rollout, the answer was wrong",
    "the reviewer ({name}, QA lead) saw the same bug",
    "From: {name} <user@example.org>\nThe translation is off.",
    "{name} said the model answered in Thai.",
    "Please call me on {phone}, the app crashes on login.",
    "You can reach me at {phone} (mobile).",
    "// TODO: ask {name} why parse() fails, tel {phone}",
    "# owner: {name}\nx = compute(y)",
    "Attendees: {name}, {name2} and {name3}.",
    "Merci {name}, la réponse était fausse. Tel. {phone}",
    "Gracias, {name}. Mi número es {phone}",
    "Danke {name}! Rückruf bitte unter {phone}",
    "WhatsApp {phone} - {name}",
    "{name} ({phone}) reported the truncation",
    "Contact: {name}, phone {phone}",
]
NEGATIVE = [
    "Python and Kafka crash when Docker restarts.",
    "The Paris office cannot reach the London cluster since June.",
    "Claude answered in Japanese halfway through the reply.",
    "```js\nfunction sumBy(items, key) { return items.reduce((a, x) => a + x[key], 0); }\n```",
    "Mark the ticket as done; Grace period ended on Monday.",
    "version 2.13.0 failed at 2025-08-25 14:00, order 12345678",
    "The React component re-renders on every keystroke in Chrome.",
    "Ich habe die Anweisungen gelesen, aber der Satz ist falsch.",
]


def _names(seed: int, max_rank: int = 20000) -> tuple[list[tuple[str, str]], int]:
    """(first, last) pairs, one country per pair (every country in turn); the country count."""
    import names_dataset

    from redaction.names import _latin_word

    base = Path(os.path.dirname(names_dataset.__file__)) / "v3"
    by_country: dict[str, dict[str, list[str]]] = {}
    for kind in ("first_names", "last_names"):
        with gzip.open(base / f"{kind}.pkl.gz") as fh:
            data = pickle.load(fh)  # noqa: S301 - the registry package's own data
        for name, info in data.items():
            if not _latin_word(name):
                continue
            for country, rank in info["rank"].items():
                if rank and rank <= max_rank:
                    by_country.setdefault(country, {}).setdefault(kind, []).append(name)
    rng = random.Random(seed)
    countries = sorted(c for c, d in by_country.items() if len(d) == 2)
    pairs = []
    for i in range(600):
        c = by_country[countries[i % len(countries)]]
        pairs.append((rng.choice(sorted(c["first_names"])), rng.choice(sorted(c["last_names"]))))
    return pairs, len(countries)


def _phones() -> list[str]:
    out = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE):
            number = phonenumbers.example_number_for_type(region, kind)
            if number is None:
                continue
            out.append(phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL))
            out.append(phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL))
    return out


def multicultural(seed: int, n: int = 1500) -> tuple[list[LabeledText], dict]:
    """The (b) set: ``n`` texts, a tenth of them without personal data."""
    pairs, countries = _names(seed)
    phones = _phones()
    rng = random.Random(seed + 1)
    samples = []
    for _ in range(n):
        if rng.random() < 0.1:
            samples.append(LabeledText(rng.choice(NEGATIVE), ()))
            continue
        template = rng.choice(TEMPLATES)
        values = {
            "name": " ".join(rng.choice(pairs)) if rng.random() < 0.7 else rng.choice(pairs)[0],
            "name2": rng.choice(pairs)[0],
            "name3": rng.choice(pairs)[1],
            "phone": rng.choice(phones),
        }
        text, truth, cursor = "", [], 0
        for part in template.replace("}", "{").split("{"):
            if part in values:
                kind = "PHONE_NUMBER" if part == "phone" else "PERSON"
                truth.append((len(text), len(text) + len(values[part]), kind))
                text += values[part]
            else:
                text += part
            cursor += 1
        samples.append(LabeledText(text, tuple(truth)))
    return samples, {"countries": countries, "regions": len(phonenumbers.SUPPORTED_REGIONS)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--evaluator-samples", type=int, default=1000)
    parser.add_argument("--multicultural-samples", type=int, default=1500)
    parser.add_argument("--replay", type=Path)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    from redaction import Redactor

    redactor = Redactor()
    report: dict = {"seed": args.seed}
    report["presidio_evaluator"] = evaluate(
        redactor, load_presidio_evaluator(args.evaluator_samples, seed=args.seed)
    )
    samples, meta = multicultural(args.seed, args.multicultural_samples)
    report["multicultural"] = {**evaluate(redactor, samples), **meta}
    if args.replay:
        report["replay"] = evaluate(redactor, load_replay(args.replay))
        report["replay"]["source"] = str(args.replay)
    for name in ("presidio_evaluator", "multicultural", "replay"):
        if name in report:
            print(name, report[name]["texts"], "texts")
            for entity, row in report[name]["per_entity"].items():
                print(
                    f"  {entity:<18} truth {row['truth']:>5} recall {row['recall_typed']} "
                    f"covered {row['recall_covered']} precision {row['precision']}"
                )
            for symptom, row in report[name].get("symptoms", {}).items():
                print(f"  symptom {symptom}: unaltered {row['unaltered']}/{row['spans']}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print("written:", args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
