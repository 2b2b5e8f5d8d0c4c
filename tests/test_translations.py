"""The Swedish catalogue is complete, compiled and used; English falls back to the msgids.

When a test here fails after strings were added or changed, run scripts/i18n.sh,
translate what it lists in kraftsamla/locale/sv/LC_MESSAGES/django.po (and remove
any "#, fuzzy" line), then run scripts/i18n.sh again to recompile django.mo.
"""

from __future__ import annotations

import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

LC_MESSAGES = Path(__file__).resolve().parent.parent / "kraftsamla/locale/sv/LC_MESSAGES"
PO_PATH = LC_MESSAGES / "django.po"
MO_PATH = LC_MESSAGES / "django.mo"
HINT = "run scripts/i18n.sh, translate the listed entries in django.po, run it again"


# --- A small PO reader (polib is not a dependency) -------------------------------------------

_ESCAPES = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    '"': '"',
    "\\": "\\",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "v": "\v",
}
_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")\s*$')


def _unquote(token: str, where: str) -> str:
    token = token.strip()
    if len(token) < 2 or not (token.startswith('"') and token.endswith('"')):
        raise ValueError(f"{where}: expected a quoted string, got {token!r}")
    body, out, i = token[1:-1], [], 0
    while i < len(body):
        char = body[i]
        if char == "\\":
            if i + 1 >= len(body) or body[i + 1] not in _ESCAPES:
                raise ValueError(f"{where}: unknown escape in {token!r}")
            out.append(_ESCAPES[body[i + 1]])
            i += 2
        else:
            out.append(char)
            i += 1
    return "".join(out)


@dataclass
class Entry:
    line: int
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def label(self) -> str:
        return f"django.po:{self.line}: {self.msgid!r}"

    @property
    def translations(self) -> list[str]:
        return [self.msgstr[n] for n in sorted(self.msgstr)]

    @property
    def catalog_key(self) -> str:
        return f"{self.msgctxt}\x04{self.msgid}" if self.msgctxt is not None else self.msgid


def parse_po(path: Path) -> list[Entry]:
    """Return the active entries of a PO file (obsolete "#~" entries are skipped)."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] | None = None

    def finish() -> None:
        nonlocal current, target
        if current is not None and (current.msgstr or current.msgid):
            entries.append(current)
        current, target = None, None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        where = f"{path.name}:{number}"
        if not line:
            finish()
        elif line.startswith("#~"):
            continue
        elif line.startswith("#,"):
            if current is not None and target is not None and current.msgstr:
                finish()
            if current is None:
                current = Entry(line=number)
            current.flags.update(f.strip() for f in line[2:].split(",") if f.strip())
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            if current is None or target is None:
                raise ValueError(f"{where}: string continuation outside an entry")
            name, index = target
            if name == "msgstr":
                current.msgstr[index] += _unquote(line, where)
            else:
                setattr(current, name, getattr(current, name) + _unquote(line, where))
        else:
            match = _KEYWORD.match(line)
            if not match:
                raise ValueError(f"{where}: cannot parse {line!r}")
            keyword, index, token = match.groups()
            if current is not None and current.msgstr and not keyword.startswith("msgstr"):
                finish()  # a new entry started without a blank line
            if current is None:
                current = Entry(line=number)
            value = _unquote(token, where)
            if keyword.startswith("msgstr"):
                position = int(index) if index is not None else 0
                current.msgstr[position] = value
                target = ("msgstr", position)
            else:
                setattr(current, keyword, value)
                target = (keyword, 0)
                if keyword == "msgid":
                    current.line = number
    finish()
    return entries


@pytest.fixture(scope="module")
def po_entries() -> list[Entry]:
    assert PO_PATH.exists(), f"{PO_PATH} is missing; {HINT}"
    return parse_po(PO_PATH)


@pytest.fixture(scope="module")
def header(po_entries) -> dict[str, str]:
    first = po_entries[0]
    assert first.msgid == "" and first.msgctxt is None, "the PO header must come first"
    return dict(line.split(":", 1) for line in first.msgstr[0].splitlines() if ":" in line)


@pytest.fixture(scope="module")
def messages(po_entries) -> list[Entry]:
    return [e for e in po_entries if e.msgid]


# --- (a) The catalogue is complete and consistent --------------------------------------------


def test_header_declares_swedish_utf8_and_two_plural_forms(po_entries, header):
    assert header["Language"].strip() == "sv"
    assert "charset=UTF-8" in header["Content-Type"]
    assert header["Plural-Forms"].strip().startswith("nplurals=2; plural=(n != 1);")
    assert "fuzzy" not in po_entries[0].flags, "the header is marked fuzzy"


def test_catalogue_is_not_trivially_small(messages):
    assert len(messages) > 300
    assert len({e.catalog_key for e in messages}) == len(messages), "duplicate msgids"


def test_no_entry_is_fuzzy(messages):
    fuzzy = [e.label for e in messages if "fuzzy" in e.flags]
    assert not fuzzy, f"{len(fuzzy)} fuzzy entries ({HINT}):\n" + "\n".join(fuzzy)


def test_every_entry_is_translated(messages):
    untranslated = []
    for e in messages:
        expected_forms = 2 if e.msgid_plural is not None else 1
        if len(e.msgstr) != expected_forms or not all(s.strip() for s in e.translations):
            untranslated.append(e.label)
    assert not untranslated, f"{len(untranslated)} untranslated entries ({HINT}):\n" + "\n".join(
        untranslated
    )


# %(name)s-style and positional directives; "%%" is a literal percent sign.
_DIRECTIVE = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa%]")
_NAMED = re.compile(r"%\([^)]*\)[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa]")
_BRACE = re.compile(r"(?<!\{)\{[A-Za-z_][A-Za-z0-9_]*(?:[!:][^{}]*)?\}(?!\})")
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_ENTITY = re.compile(r"&[A-Za-z]+;|&#\d+;")


def _placeholder_problems(source: str, translation: str, flags: set[str]) -> list[str]:
    problems = []
    named_source, named_translation = set(_NAMED.findall(source)), set(_NAMED.findall(translation))
    if named_source != named_translation:
        problems.append(f"named placeholders {sorted(named_source)} != {sorted(named_translation)}")
    if "python-format" in flags:
        positional = [d for d in _DIRECTIVE.findall(source) if not d.startswith("%(")]
        positional_tr = [d for d in _DIRECTIVE.findall(translation) if not d.startswith("%(")]
        if positional != positional_tr:
            problems.append(f"format directives {positional} != {positional_tr}")
        if "%" in _DIRECTIVE.sub("", translation):
            problems.append("a lone '%' in a python-format string (write '%%')")
    if "python-brace-format" in flags and sorted(_BRACE.findall(source)) != sorted(
        _BRACE.findall(translation)
    ):
        problems.append("brace placeholders differ")
    if sorted(_TAG.findall(source)) != sorted(_TAG.findall(translation)):
        problems.append("HTML tags differ")
    if sorted(_ENTITY.findall(source)) != sorted(_ENTITY.findall(translation)):
        problems.append("HTML entities differ")
    if source[:1].isspace() != translation[:1].isspace() or (
        source[-1:].isspace() != translation[-1:].isspace()
    ):
        problems.append("leading or trailing whitespace differs")
    if source.endswith("\n") != translation.endswith("\n"):
        problems.append("trailing newline differs")
    return problems


def test_placeholders_and_markup_match(messages):
    failures = []
    for e in messages:
        if e.msgid_plural is None:
            pairs = [(e.msgid, e.msgstr.get(0, ""))]
        else:
            # Swedish has two forms: [0] for n == 1, [1] for every other n.
            pairs = [(e.msgid, e.msgstr.get(0, "")), (e.msgid_plural, e.msgstr.get(1, ""))]
        for source, translation in pairs:
            if not translation:
                continue  # reported by test_every_entry_is_translated
            failures += [
                f"{e.label}: {p}" for p in _placeholder_problems(source, translation, e.flags)
            ]
    assert not failures, "\n".join(failures)


def test_format_strings_still_format(messages):
    """Every python-format translation formats with the same values as its msgid."""
    failures = []
    for e in messages:
        if "python-format" not in e.flags:
            continue
        names = set(re.findall(r"%\(([^)]*)\)", e.msgid + (e.msgid_plural or "")))
        if names:
            values = {name: 1 for name in names}
        else:
            count = len([d for d in _DIRECTIVE.findall(e.msgid) if d != "%%"])
            values = tuple([1] * count)
        for translation in e.translations:
            try:
                translation % values
            except (KeyError, TypeError, ValueError) as exc:
                failures.append(f"{e.label}: {exc!r}")
    assert not failures, "\n".join(failures)


# --- (b) The committed .mo is the compiled .po ------------------------------------------------


def test_mo_contains_exactly_the_po_translations(messages):
    assert MO_PATH.exists(), f"{MO_PATH} is missing; {HINT}"
    with MO_PATH.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    catalog = dict(compiled._catalog)  # the parsed .mo: msgid (or (msgid, n)) -> msgstr
    catalog.pop("", None)  # the header

    expected: dict[object, str] = {}
    for e in messages:
        if e.msgid_plural is None:
            expected[e.catalog_key] = e.msgstr.get(0, "")
        else:
            for n, text in e.msgstr.items():
                expected[(e.catalog_key, n)] = text
    expected = {key: text for key, text in expected.items() if text}

    stale = sorted(repr(k) for k in expected if catalog.get(k) != expected[k])
    extra = sorted(repr(k) for k in catalog if k not in expected)
    assert not stale and not extra, (
        "django.mo does not match django.po; run scripts/i18n.sh to recompile.\n"
        f"missing or different in .mo: {stale[:20]}\nonly in .mo: {extra[:20]}"
    )
    assert compiled.ngettext("x", "y", 1) == "x"  # unknown ids fall back to the msgid
    assert compiled.info().get("language") == "sv"
    assert compiled.info().get("plural-forms", "").startswith("nplurals=2;")


def test_mo_plural_rule_picks_the_right_form(messages):
    with MO_PATH.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    plurals = [e for e in messages if e.msgid_plural is not None and e.msgctxt is None]
    assert plurals, "expected at least one plural entry"
    for e in plurals:
        assert compiled.ngettext(e.msgid, e.msgid_plural, 1) == e.msgstr[0]
        for n in (0, 2, 5, 21):
            assert compiled.ngettext(e.msgid, e.msgid_plural, n) == e.msgstr[1]


def test_django_uses_the_catalogue():
    from django.utils import translation

    with translation.override("sv"):
        assert translation.gettext("Organisations") == "Organisationer"
        assert translation.gettext("Skip to main content") == "Hoppa till huvudinnehållet"
    with translation.override("en"):
        assert translation.gettext("Organisations") == "Organisations"


# --- (c) The pages: Swedish first, English on request ----------------------------------------


@pytest.mark.django_db
def test_start_page_is_swedish_even_for_an_english_browser(client):
    response = client.get("/", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="sv">' in html
    assert response.headers["Content-Language"] == "sv"
    assert "Organisationer" in html
    assert "Logga in" in html
    assert ">Organisations<" not in html
    assert ">Log in<" not in html


@pytest.mark.django_db
def test_choosing_english_switches_the_page_and_back(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"

    html = client.get("/", headers={"Accept-Language": "sv"}).content.decode()
    assert '<html lang="en">' in html
    assert "Organisations" in html
    assert "Log in" in html
    assert "Organisationer" not in html
    assert "Logga in" not in html

    client.post("/i18n/setlang/", {"language": "sv", "next": "/"})
    html = client.get("/").content.decode()
    assert '<html lang="sv">' in html
    assert "Organisationer" in html


@pytest.mark.django_db
def test_unsupported_language_falls_back_to_swedish(client):
    client.post("/i18n/setlang/", {"language": "de", "next": "/"})
    html = client.get("/", headers={"Accept-Language": "de"}).content.decode()
    assert '<html lang="sv">' in html
    assert "Organisationer" in html
