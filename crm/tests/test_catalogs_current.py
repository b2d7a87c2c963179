"""`makemessages` finds no string the committed catalogs lack.

A new `{% translate %}` or `gettext()` without its five translations is unfinished work:
this runs makemessages over a copy of the source (so the working tree is left alone) and
compares its msgids with the committed ones.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SOURCES = ["crm", "goals", "metrics", "automation", "templates", "static", "locale"]
SKIP = shutil.ignore_patterns("__pycache__", "vendor", "*.mo", "tests")
LANGUAGES = ["de", "tr", "ko", "fa", "ro"]


def _ids(po: polib.POFile) -> set[tuple[str, str]]:
    return {(e.msgctxt or "", e.msgid) for e in po if not e.obsolete}


@pytest.fixture(scope="module")
def fresh_catalogs(tmp_path_factory) -> Path:
    copy = tmp_path_factory.mktemp("makemessages")
    for name in SOURCES:
        shutil.copytree(ROOT / name, copy / name, ignore=SKIP)
    shutil.copy(ROOT / "manage.py", copy)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "crm.settings.test", "PYTHONPATH": str(copy)}
    for domain in ("django", "djangojs"):
        subprocess.run(  # noqa: S603 - our own interpreter and manage.py, fixed arguments
            [sys.executable, "manage.py", "makemessages", "-d", domain, "-l", "de", "-v", "0"],
            cwd=copy,
            env=env,
            check=True,
            timeout=300,
        )
    return copy / "locale"


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_makemessages_finds_no_msgid_the_catalogs_lack(fresh_catalogs, domain):
    found = _ids(polib.pofile(str(fresh_catalogs / "de" / "LC_MESSAGES" / f"{domain}.po")))

    for language in LANGUAGES:
        committed = _ids(
            polib.pofile(str(ROOT / "locale" / language / "LC_MESSAGES" / f"{domain}.po"))
        )
        assert sorted(found - committed) == [], language


@pytest.mark.parametrize("domain", ["django", "djangojs"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_entry_is_translated(domain, language):
    po = polib.pofile(str(ROOT / "locale" / language / "LC_MESSAGES" / f"{domain}.po"))

    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []
