#!/usr/bin/env python
"""Translation catalogues: compile them, and check that none is behind the code.

    scripts/i18n.py compile   locale/<lang>/LC_MESSAGES/*.po → .mo (Babel; no gettext needed)
    scripts/i18n.py check     extract every message of the code (Django's makemessages, in a
                              copy of the tree so the work tree is left alone) and fail when a
                              catalogue lacks a translation, has a fuzzy one, or a translation
                              breaks a placeholder.

`make install` compiles; `make check` checks. The check needs GNU gettext's xgettext
(Debian: gettext), which Django's makemessages calls.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale"
# What makemessages must not walk: dependencies, built files, tests (their strings are
# test data, not interface).
IGNORED = [".venv", "node_modules", "static/vendor", "staticfiles", "tests", "test-artifacts"]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|%[sdif]|\{\w*\}")


@dataclass(frozen=True)
class Problem:
    language: str
    where: str
    msgid: str
    what: str

    def __str__(self) -> str:
        return f"{self.language}: {self.where}: {self.what}: {self.msgid!r}"


def catalogues(locale_dir: Path = LOCALE) -> list[Path]:
    return sorted(locale_dir.glob("*/LC_MESSAGES/*.po"))


def _read(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, abort_invalid=True)


def stale(locale_dir: Path = LOCALE) -> bool:
    """Is any catalogue newer than its compiled form (or not compiled)?"""
    for po in catalogues(locale_dir):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            return True
    return False


def compile_catalogues(locale_dir: Path = LOCALE) -> list[Path]:
    """Write the .mo beside each .po (fuzzy translations left out, as gettext does)."""
    written = []
    for po in catalogues(locale_dir):
        catalog = _read(po)
        mo = po.with_suffix(".mo")
        # Written aside then renamed: a reader (another test worker) never sees half a file.
        partial = mo.with_name(f"{mo.name}.{os.getpid()}.tmp")
        with partial.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        os.replace(partial, mo)
        written.append(mo)
    return written


def _strings(value: str | tuple[str, ...] | list[str] | None) -> list[str]:
    if value is None:
        return [""]
    if isinstance(value, str):
        return [value]
    return list(value)


def _tokens(text: str) -> list[str]:
    """The placeholders of a message, in order: %(name)s, %s, {name}."""
    return [m.group(0) for m in PLACEHOLDER.finditer(text.replace("%%", ""))]


def _named(tokens: list[str]) -> set[str]:
    return {t for t in tokens if t.startswith(("%(", "{"))}


def problems_in(catalog: Catalog, language: str) -> list[Problem]:
    """Untranslated, fuzzy, or placeholder-breaking entries of one catalogue."""
    found: list[Problem] = []
    for message in catalog:
        if not message.id:  # the header
            continue
        found.extend(_message_problems(message, language))
    return found


def _message_problems(message: Message, language: str) -> Iterable[Problem]:
    ids = _strings(message.id)
    where = ", ".join(f"{path}:{line}" for path, line in message.locations[:2]) or "?"
    shown = ids[0]
    if message.fuzzy:
        yield Problem(language, where, shown, "fuzzy")
    translations = _strings(message.string)
    if any(not t for t in translations):
        yield Problem(language, where, shown, "untranslated")
        return
    originals = [_tokens(i) for i in ids]
    expected_named = set().union(*(_named(t) for t in originals))
    positional = max(len(t) - len(_named(t)) for t in originals)
    for translation in translations:
        tokens = _tokens(translation)
        if _named(tokens) - expected_named:
            yield Problem(language, where, shown, "a placeholder the original does not have")
        elif len(tokens) - len(_named(tokens)) != positional:
            yield Problem(language, where, shown, "a different number of %s placeholders")
        elif expected_named - _named(tokens) and not message.pluralizable:
            yield Problem(language, where, shown, "a placeholder missing from the translation")


def _copy_tree(target: Path) -> None:
    """The work tree's files (tracked and new, not ignored) into `target`."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],  # noqa: S607
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout.split(b"\0")
    for raw in listed:
        if not raw:
            continue
        relative = Path(raw.decode())
        source = ROOT / relative
        if not source.is_file() or any(relative.is_relative_to(i) for i in IGNORED):
            continue
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, destination)


def check(languages: list[str] | None = None) -> list[Problem]:
    """Extract the code's messages afresh and report what the catalogues lack."""
    if shutil.which("xgettext") is None:
        raise SystemExit("i18n check: xgettext not found (Debian: apt-get install gettext)")
    if languages is None:
        languages = (
            sorted(p.name for p in LOCALE.iterdir() if p.is_dir()) if LOCALE.is_dir() else []
        )
    if not languages:
        return []
    found: list[Problem] = []
    with tempfile.TemporaryDirectory(prefix="i18n-check-") as tmp:
        work = Path(tmp)
        _copy_tree(work)
        command = [sys.executable, "manage.py", "makemessages", "--no-obsolete", "--verbosity=0"]
        command += [f"--locale={lang}" for lang in languages]
        command += [f"--ignore={i}" for i in IGNORED]
        subprocess.run(command, cwd=work, check=True, env=_environment())  # noqa: S603
        for language in languages:
            for po in sorted((work / "locale" / language / "LC_MESSAGES").glob("*.po")):
                found.extend(problems_in(_read(po), language))
    return found


def _environment() -> dict[str, str]:
    environment = dict(os.environ)
    environment.setdefault("DEBUG", "1")
    return environment


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["compile", "check"])
    args = parser.parse_args(argv)
    if args.command == "compile":
        written = compile_catalogues()
        print(f"i18n: compiled {len(written)} catalogue(s)")
        return 0
    problems = check()
    for problem in problems:
        print(problem)
    if problems:
        print(f"i18n check: {len(problems)} message(s) need a translation (see above)")
        return 1
    print("i18n check: every message of the code is translated")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
