"""`make audit`: known-vulnerable dependencies fail the build (QUALITY S19).

Runs pip-audit over the Python packages installed from the pins (transitive ones included)
and `npm audit` over the locked front-end packages, and tells three outcomes apart, which the
tools' exit codes do not:

- a known vulnerability: exit 1 (always: upgrade the pin);
- every dependency checked, nothing known: exit 0;
- the advisory service could not be reached (no network, a registry mirror without the
  advisory API): a loud banner saying the audit was NOT performed, and exit 0 — or exit 2
  with AUDIT_STRICT=1, for machines that do reach the services.

A partial answer (some packages checked, some not) counts as unreachable for the rest.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = int(os.environ.get("AUDIT_TIMEOUT", "300"))


@dataclass
class Outcome:
    tool: str
    vulnerable: list[str] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def performed(self) -> bool:
        return not self.error and not self.unchecked


def read_pip_audit(text: str) -> Outcome:
    """pip-audit's JSON report: vulnerable and unchecked (skipped) packages."""
    outcome = Outcome("pip-audit")
    try:
        report = json.loads(text)
    except json.JSONDecodeError:
        outcome.error = "no report (the tool failed before auditing)"
        return outcome
    for dependency in report.get("dependencies", []):
        name = f"{dependency.get('name')} {dependency.get('version', '')}".strip()
        if dependency.get("skip_reason"):
            outcome.unchecked.append(name)
        for vuln in dependency.get("vulns", []):
            outcome.vulnerable.append(f"{name}: {vuln.get('id')}")
    return outcome


def read_npm_audit(text: str) -> Outcome:
    """`npm audit --json`: advisories at moderate or above, or the registry's refusal."""
    outcome = Outcome("npm audit")
    try:
        report = json.loads(text)
    except json.JSONDecodeError:
        outcome.error = "no report (npm failed before auditing)"
        return outcome
    if "vulnerabilities" not in report:
        outcome.error = str(report.get("message") or report.get("error") or "no audit data")
        return outcome
    for name, entry in report["vulnerabilities"].items():
        if entry.get("severity") in ("moderate", "high", "critical"):
            outcome.vulnerable.append(f"{name}: {entry.get('severity')}")
    return outcome


def _run(command: list[str]) -> str:
    try:
        done = subprocess.run(  # noqa: S603 (fixed commands, no shell)
            command, cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        return ""
    return done.stdout


def verdict(outcomes: list[Outcome], *, strict: bool) -> int:
    """Print what was found and return the exit status."""
    status = 0
    for outcome in outcomes:
        for line in outcome.vulnerable:
            print(f"audit: {outcome.tool}: VULNERABLE {line}", file=sys.stderr)
        if outcome.vulnerable:
            status = 1
    missed = [o for o in outcomes if not o.performed]
    for outcome in missed:
        reason = outcome.error or f"{len(outcome.unchecked)} package(s) could not be checked"
        print(
            "\n" + "!" * 78 + f"\naudit: {outcome.tool} was NOT performed: {reason}.\n"
            "No advisory service answered from this machine: known vulnerabilities were not\n"
            "looked for. Run `make audit` where PyPI's JSON API / OSV and the npm advisory API\n"
            "are reachable (AUDIT_STRICT=1 makes this a failure).\n" + "!" * 78,
            file=sys.stderr,
        )
    if missed and strict and status == 0:
        status = 2
    if status == 0 and not missed:
        print("audit: no known vulnerabilities in the pinned dependencies.")
    return status


def main() -> int:
    pip_audit = [str(ROOT / ".venv" / "bin" / "pip-audit"), "--skip-editable", "-f", "json"]
    pip_audit += ["--progress-spinner", "off", "--timeout", "30"]
    npm_audit = ["npm", "audit", "--json", "--audit-level=moderate"]
    npm_audit += ["--fetch-timeout=30000", "--fetch-retries=1"]
    outcomes = [read_pip_audit(_run(pip_audit)), read_npm_audit(_run(npm_audit))]
    return verdict(outcomes, strict=os.environ.get("AUDIT_STRICT", "") in ("1", "true", "yes"))


if __name__ == "__main__":
    sys.exit(main())
