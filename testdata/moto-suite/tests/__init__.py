# Stands for moto's tests package, which moto's test files import from:
# the account they expect and a pass-through for their @aws_verified marker
# (the test runs against iamd either way). Written for iamd.
import functools

DEFAULT_ACCOUNT_ID = "123456789012"


def aws_verified(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return func(*args, **kwargs)

    return wrapper


def allow_aws_request():
    # moto's switch for running its tests against AWS itself: here they run
    # against iamd, never through moto's mock.
    return False
