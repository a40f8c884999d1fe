"""Build the privacy engine's name lexicon (``privacy/data/given_names.txt`` and
``privacy/data/surnames.txt``) from official name statistics, and say where each part
comes from (``privacy/data/NAMES-NOTICE.md`` states the licences).

Sources, all counts of real people's names published by a census or a population
register as open data (no fake-data generator, no leaked accounts):

- US: the 1990 Census given names and surnames (public domain), as shipped by the ``names``
  PyPI package 0.3.0 (MIT; ``pip install names==0.3.0`` to rebuild, not a dependency);
- PL, FI, FR, ES, BE (Dutch/French), BR: the national lists as extracted and filtered by the
  zxcvbn-ts language packages (MIT packaging, maintained), from the npm registry:
  ``npm pack @zxcvbn-ts/language-pl@3.0.2 @zxcvbn-ts/language-fi@3.0.2
  @zxcvbn-ts/language-fr@4.1.2 @zxcvbn-ts/language-es-es@4.1.2
  @zxcvbn-ts/language-nl-be@3.0.2 @zxcvbn-ts/language-pt-br@4.1.1``.
  Only their lists taken from a statistics office or register are used: PESEL register
  (dane.gov.pl, CC0), DVV name statistics (avoindata.fi, CC BY 4.0), INSEE (Licence
  Ouverte 2.0), INE (reuse with attribution), Statbel (CC BY 4.0), IBGE 2010 census given
  names (reuse with attribution). Their Czech, German, Italian and English lists (scraped
  pages or gists of unknown origin) and the Brazilian surnames (Wiktionary, CC BY-SA) are
  not used.

Every entry is folded as the engine folds a word before looking it up (``fold``: lower
case, accents off, ``ł ø æ ß`` spelled out). Run with the unpacked packages in one folder:

    python benchmarks/build_name_lexicon.py /tmp/npm-unpacked
"""

from __future__ import annotations

import json
import sys
from importlib import resources
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from automagik_telemetry.privacy.names_lexicon import fold

DATA = Path(__file__).resolve().parent.parent / "src/automagik_telemetry/privacy/data"
# (package folder prefix, file, kind): kind g = given names, s = surnames. The French
# package has its two lists the other way round (its "firstnames" are INSEE's surnames
# file noms2008nat, its "lastnames" INSEE's given-names file nat2021): taken by content.
ZXCVBN = (
    ("zxcvbn-ts-language-pl-3.0.2", "maleFirstnames", "g"),
    ("zxcvbn-ts-language-pl-3.0.2", "femaleFirstnames", "g"),
    ("zxcvbn-ts-language-pl-3.0.2", "maleLastnames", "s"),
    ("zxcvbn-ts-language-pl-3.0.2", "femaleLastnames", "s"),
    ("zxcvbn-ts-language-fi-3.0.2", "maleFirstnames", "g"),
    ("zxcvbn-ts-language-fi-3.0.2", "femaleFirstnames", "g"),
    ("zxcvbn-ts-language-fi-3.0.2", "lastnames", "s"),
    ("zxcvbn-ts-language-fr-4.1.2", "lastnames", "g"),
    ("zxcvbn-ts-language-fr-4.1.2", "firstnames", "s"),
    ("zxcvbn-ts-language-es-es-4.1.2", "firstnames", "g"),
    ("zxcvbn-ts-language-es-es-4.1.2", "lastnames", "s"),
    ("zxcvbn-ts-language-nl-be-3.0.2", "boysFirstnames", "g"),
    ("zxcvbn-ts-language-nl-be-3.0.2", "girlsFirstnames", "g"),
    ("zxcvbn-ts-language-nl-be-3.0.2", "lastnames", "s"),
    ("zxcvbn-ts-language-pt-br-4.1.1", "firstnames", "g"),
)


def _census(name: str) -> list[str]:
    text = resources.files("names").joinpath(name).read_text(encoding="ascii")
    return [line.split(" ", 1)[0] for line in text.splitlines() if line]


def _entries(word: str) -> list[str]:
    """One entry per word of a multi-word list item (``maria jose``), letters only."""
    words = [fold(part) for part in word.replace("-", " ").split()]
    return [w for w in words if len(w.replace("'", "")) >= 2 and w.replace("'", "").isalpha()]


def main() -> None:
    folder = Path(sys.argv[1])
    kinds: dict[str, set[str]] = {"g": set(), "s": set()}
    for name, kind in (("dist.male.first", "g"), ("dist.female.first", "g"),
                       ("dist.all.last", "s")):  # fmt: skip
        for word in _census(name):
            kinds[kind].update(_entries(word))
    for package, list_name, kind in ZXCVBN:
        path = folder / package / "package" / "src" / f"{list_name}.json"
        for word in json.loads(path.read_text(encoding="utf-8")):
            if word != "autres noms":  # INSEE's "all other names" row
                kinds[kind].update(_entries(word))
    DATA.mkdir(exist_ok=True)
    for kind, file_name in (("g", "given_names.txt"), ("s", "surnames.txt")):
        words = sorted(kinds[kind])
        (DATA / file_name).write_text("\n".join(words) + "\n", encoding="utf-8")
        print(f"{file_name}: {len(words)} names")


if __name__ == "__main__":
    main()
