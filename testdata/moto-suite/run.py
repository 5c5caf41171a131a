"""Runs moto's IAM and STS tests (tests/) against iamd and writes each
test's outcome to a JSON report: {"nodeid": {"outcome": "passed"|"failed",
"message": first line of the failure}}.

    IAMD_BIN=/path/to/iamd python3 run.py REPORT.json ROOT [pytest args...]

ROOT holds conftest.py and tests/ (e2e.TestMotoSuite lays it out: this
directory's conftest.py and tests/__init__.py, moto's test files).

pytest comes from Debian's python3-pytest when the python3 that has boto3
and moto lacks it (PyPI is out of reach here): its dist-packages directory
goes at the END of sys.path, so that the interpreter's own packages win.
"""

import json
import os
import sys

# No __pycache__ in the repository (pytest honours it for its rewrites too).
sys.dont_write_bytecode = True

try:
    import pytest
except ImportError:
    sys.path.append("/usr/lib/python3/dist-packages")
    import pytest


class Report:
    def __init__(self):
        self.results = {}

    def pytest_runtest_logreport(self, report):
        if report.when == "call" or report.outcome == "failed":
            if report.nodeid in self.results and self.results[report.nodeid]["outcome"] == "failed":
                return
            msg = ""
            if report.failed:
                crash = getattr(report.longrepr, "reprcrash", None)
                msg = crash.message if crash else str(report.longrepr)
                msg = msg.strip().splitlines()[0] if msg.strip() else ""
            self.results[report.nodeid] = {"outcome": report.outcome, "message": msg[:500]}


def main():
    out, root = os.path.abspath(sys.argv[1]), sys.argv[2]
    rep = Report()
    os.chdir(root)
    code = pytest.main(["-p", "no:cacheprovider", "-q", "--tb=no", "-rN", "tests"] + sys.argv[3:], plugins=[rep])
    with open(out, "w") as f:
        json.dump(rep.results, f, indent=1, sort_keys=True)
    # Failing tests are the Go test's to judge; only a broken run fails here.
    sys.exit(0 if code in (0, 1) else code)


if __name__ == "__main__":
    main()
