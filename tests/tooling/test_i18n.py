"""scripts/i18n.py: the catalogues compile without gettext, and the check finds what is missing."""

from __future__ import annotations

import gettext
import importlib.util
import sys
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("i18n_script", ROOT / "scripts" / "i18n.py")
i18n = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
sys.modules["i18n_script"] = i18n  # dataclasses look their module up while defining
spec.loader.exec_module(i18n)  # type: ignore[union-attr]


def _catalog(*messages: tuple[object, object, dict]) -> Catalog:
    catalog = Catalog(locale="ja")
    for msgid, msgstr, extra in messages:
        catalog.add(msgid, msgstr, locations=[("app/views.py", 7)], **extra)
    return catalog


def _whats(catalog: Catalog) -> list[str]:
    return [p.what for p in i18n.problems_in(catalog, "ja")]


def test_a_complete_catalogue_has_no_problem():
    catalog = _catalog(
        ("Save", "保存", {}),
        ("%(name)s logged %(count)s visits", "%(name)sさんが%(count)s件の訪問を記録", {}),
        ("Deals for %s", "%sの案件", {}),
        ("100%% done", "100%%完了", {}),
        (("%(n)s deal", "%(n)s deals"), ("%(n)s件の案件",), {}),
    )
    assert _whats(catalog) == []


@pytest.mark.parametrize(
    ("msgid", "msgstr", "flags", "what"),
    [
        ("Save", "", set(), "untranslated"),
        ("Save", "保存", {"fuzzy"}, "fuzzy"),
        ("Hello %(name)s", "こんにちは %(nom)s", set(), "a placeholder the original does not have"),
        ("Deals for %s", "案件", set(), "a different number of %s placeholders"),
        ("%(a)s and %(b)s", "%(a)sのみ", set(), "a placeholder missing from the translation"),
    ],
)
def test_the_check_names_what_is_wrong(msgid, msgstr, flags, what):
    catalog = _catalog((msgid, msgstr, {"flags": flags}))

    assert _whats(catalog) == [what]


def test_an_untranslated_plural_form_is_found():
    catalog = _catalog((("%(n)s deal", "%(n)s deals"), ("",), {}))

    assert _whats(catalog) == ["untranslated"]


def test_compiling_writes_a_catalogue_gettext_reads_without_fuzzy_entries(tmp_path):
    po = tmp_path / "ja" / "LC_MESSAGES" / "django.po"
    po.parent.mkdir(parents=True)
    catalog = _catalog(("Save", "保存", {}), ("Delete", "削除", {"flags": {"fuzzy"}}))
    buffer = BytesIO()
    write_po(buffer, catalog)
    po.write_bytes(buffer.getvalue())

    written = i18n.compile_catalogues(tmp_path)

    assert written == [po.with_suffix(".mo")]
    with written[0].open("rb") as handle:
        translations = gettext.GNUTranslations(handle)
    assert translations.gettext("Save") == "保存"
    assert translations.gettext("Delete") == "Delete"  # fuzzy: left out, as gettext does


def test_the_committed_japanese_catalogue_is_complete():
    """What the product ships: every entry translated, none fuzzy, placeholders intact.
    (That it covers every message of the code is `make i18n-check`, which needs xgettext.)"""
    with (ROOT / "locale" / "ja" / "LC_MESSAGES" / "django.po").open("rb") as handle:
        catalog = read_po(handle)

    assert len(catalog) > 1000
    assert [str(p) for p in i18n.problems_in(catalog, "ja")] == []
