"""Runs moto's own IAM and STS tests against a real iamd.

moto's tests start moto's in-process mock with decorators (@mock_iam,
@mock_sts, @mock_aws). Here those decorators do nothing; instead every test
gets a fresh iamd (its own data directory, its own port) and boto3 finds it
through AWS_ENDPOINT_URL, signing with the root credentials iamd was started
with. The account is moto's default (123456789012) so that the tests' ARNs
match. TEST_SERVER_MODE=true is moto's own switch for tests that run against
a server: they then skip the checks that read moto's in-process backend.

Needs IAMD_BIN (the iamd binary). This file is iamd's; the test files under
tests/ are moto's (see README.md).
"""

import functools
import inspect
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time

import pytest

os.environ["TEST_SERVER_MODE"] = "true"

import moto  # noqa: E402  (after TEST_SERVER_MODE: moto.settings reads it once)
import moto.settings  # noqa: E402

ACCOUNT_ID = "123456789012"
ROOT_KEY = "AKIAIAMDMOTOSUITE001"
ROOT_SECRET = "iamd+moto+suite+root+secret+0000000000000"


class _NoMock:
    """Stands for moto's mock_* decorators and context managers: the
    server is iamd, started per test by the fixture below."""

    def __init__(self, func=None, *args, **kwargs):
        self.func = func if callable(func) else None
        if self.func is not None:
            functools.update_wrapper(self, self.func)

    def __call__(self, *args, **kwargs):
        if self.func is None:
            # @mock_iam() applied to a function or a class
            return args[0]
        return self.func(*args, **kwargs)

    def __get__(self, obj, objtype=None):
        return self if obj is None else functools.partial(self.__call__, obj)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def start(self, *args, **kwargs):
        pass

    def stop(self, *args, **kwargs):
        pass


for _name in ("mock_aws", "mock_iam", "mock_sts", "mock_config", "mock_ec2", "mock_s3"):
    setattr(moto, _name, _NoMock)


class _Server:
    """One iamd on its own data directory and port."""

    def __init__(self):
        self.data = tempfile.mkdtemp(prefix="iamd-moto-")
        self.log = open(os.path.join(self.data, "iamd.log"), "w+")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "IAMD_"))}
        env.update(IAMD_ROOT_ACCESS_KEY_ID=ROOT_KEY, IAMD_ROOT_SECRET_ACCESS_KEY=ROOT_SECRET)
        self.proc = subprocess.Popen(
            [os.environ["IAMD_BIN"], "serve", "--data", os.path.join(self.data, "iamd"),
             "--addr", "127.0.0.1:0", "--account-id", ACCOUNT_ID, "--audit-log", "off",
             "--log-level", "warn"],
            stdout=self.log, stderr=subprocess.STDOUT, env=env)

    def url(self):
        # First start prints the endpoint (a port of its own choosing).
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            self.log.seek(0)
            m = re.search(r"AWS_ENDPOINT_URL_IAM=(http://127\.0\.0\.1:\d+)", self.log.read())
            if m:
                return m.group(1)
            if self.proc.poll() is not None:
                break
            time.sleep(0.01)
        self.stop()
        self.log.seek(0)
        raise RuntimeError("iamd did not start: " + self.log.read())

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        shutil.rmtree(self.data, ignore_errors=True)


# The next test's server starts while this one runs, and a finished one is
# stopped in the background: a start costs more than most tests.
_spare = []


# moto's server does not load AWS's managed policies, so these tests skip
# themselves in server mode; iamd has them, so they run, as in moto's own
# in-process mode, unless they also read moto's backend.
_MOTO_SERVER_GAP = 'raise SkipTest("Policies not loaded in ServerMode")'


def _runs_as_in_process(func):
    try:
        src = inspect.getsource(func)
    except (OSError, TypeError):
        return False
    return _MOTO_SERVER_GAP in src and src.count("TEST_SERVER_MODE") == 1 and "backend" not in src


@pytest.fixture(autouse=True)
def iamd_server(monkeypatch, request):
    if _runs_as_in_process(request.function):
        monkeypatch.setattr(moto.settings, "TEST_SERVER_MODE", False)
    srv = _spare.pop() if _spare else _Server()
    _spare.append(_Server())
    url = srv.url()
    for k in list(os.environ):
        if k.startswith("AWS_"):
            monkeypatch.delenv(k)
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ROOT_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", ROOT_SECRET)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", os.path.join(srv.data, "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.path.join(srv.data, "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    try:
        yield url
    finally:
        threading.Thread(target=srv.stop).start()


def pytest_sessionfinish(session, exitstatus):
    while _spare:
        _spare.pop().stop()
