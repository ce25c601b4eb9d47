"""`make audit` tells a vulnerable pin, a clean audit and an audit that never ran apart."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "audit_deps.py"
spec = importlib.util.spec_from_file_location("audit_deps", SCRIPT)
audit = importlib.util.module_from_spec(spec)
sys.modules["audit_deps"] = audit  # dataclasses look their module up while defining
spec.loader.exec_module(audit)

CLEAN_PIP = json.dumps({"dependencies": [{"name": "django", "version": "5.2.19", "vulns": []}]})
OLD_PILLOW = json.dumps(
    {"dependencies": [{"name": "pillow", "version": "9.0.0", "vulns": [{"id": "PYSEC-2022-10"}]}]}
)
UNREACHABLE_PIP = json.dumps(
    {"dependencies": [{"name": "django", "skip_reason": "Dependency not found on PyPI"}]}
)
CLEAN_NPM = json.dumps({"vulnerabilities": {}, "metadata": {}})
LOW_NPM = json.dumps({"vulnerabilities": {"x": {"severity": "low"}}})
HIGH_NPM = json.dumps({"vulnerabilities": {"htmx.org": {"severity": "high"}}})
REFUSED_NPM = json.dumps({"message": "405 Method Not Allowed - POST …/advisories/bulk"})


def test_a_clean_audit_passes(capsys):
    outcomes = [audit.read_pip_audit(CLEAN_PIP), audit.read_npm_audit(LOW_NPM)]

    assert audit.verdict(outcomes, strict=True) == 0
    assert "no known vulnerabilities" in capsys.readouterr().out


@pytest.mark.parametrize("strict", [False, True])
def test_a_known_vulnerable_pin_fails_whatever_the_mode(strict, capsys):
    outcomes = [audit.read_pip_audit(OLD_PILLOW), audit.read_npm_audit(HIGH_NPM)]

    assert audit.verdict(outcomes, strict=strict) == 1
    err = capsys.readouterr().err
    assert "VULNERABLE pillow 9.0.0: PYSEC-2022-10" in err
    assert "VULNERABLE htmx.org: high" in err


def test_an_unreachable_service_is_never_a_silent_pass(capsys):
    outcomes = [audit.read_pip_audit(UNREACHABLE_PIP), audit.read_npm_audit(REFUSED_NPM)]

    relaxed = audit.verdict(outcomes, strict=False)
    err = capsys.readouterr().err
    strict = audit.verdict(outcomes, strict=True)

    assert (relaxed, strict) == (0, 2)
    assert "pip-audit was NOT performed" in err
    assert "npm audit was NOT performed: 405 Method Not Allowed" in err


def test_a_tool_that_printed_nothing_counts_as_not_performed():
    assert not audit.read_pip_audit("").performed
    assert not audit.read_npm_audit("").performed
