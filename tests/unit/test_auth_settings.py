"""The serve settings of authentication, regions and limits: who may serve without signatures, which
extra regions are names, the limits' defaults by auth mode."""
from __future__ import annotations

import pytest

from openimagebuilder.server.limits import RateLimiter, RequestRefused
from openimagebuilder.server.settings import Settings, SettingsError


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_loopback_serves_without_signatures(host):
    assert Settings(host=host).exposure_problem() is None


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", "oib.example"])
def test_other_addresses_need_sigv4_or_insecure(host):
    problem = Settings(host=host).exposure_problem()
    assert problem is not None and f"--host {host} accepts connections from other machines" in problem
    assert Settings(host=host, auth="sigv4").exposure_problem() is None
    assert Settings(host=host, insecure=True).exposure_problem() is None


def test_settings_from_the_environment():
    settings = Settings.load({"OIB_AUTH": "sigv4", "OIB_EXTRA_REGIONS": "local-dev-1, lab-west-2",
                              "OIB_INSECURE": "yes", "OIB_RATE_LIMIT": "7.5", "OIB_MAX_CONNECTIONS": "50"})
    assert (settings.auth, settings.extra_region_names, settings.insecure) == (
        "sigv4", ("local-dev-1", "lab-west-2"), True)
    assert (settings.limits().rate_limit, settings.limits().max_connections) == (7.5, 50)


@pytest.mark.parametrize(("environ", "problem"), [
    ({"OIB_AUTH": "basic"}, "auth 'basic' is not one of none, sigv4"),
    ({"OIB_EXTRA_REGIONS": "a" * 40 + "-1"}, "is not a region name"),
    ({"OIB_EXTRA_REGIONS": "Mars"}, "extra region 'Mars' is not a region name"),
    ({"OIB_HEADER_TIMEOUT": "0"}, "header timeout 0.0 is not between 0 and 3600 seconds"),
    ({"OIB_MAX_BODY_IN_FLIGHT": "8"}, "max body in flight at least 16"),
    ({"OIB_RATE_LIMIT": "-1"}, "rate limit -1.0 is negative"),
])
def test_unusable_values_are_refused(environ, problem):
    with pytest.raises(SettingsError, match=problem):
        Settings.load(environ)


def test_the_rate_limit_is_on_by_default_with_sigv4_only():
    assert Settings().limits().rate_limit == 0
    assert Settings(auth="sigv4").limits().rate_limit == 100
    assert Settings(auth="sigv4", rate_limit=0).limits().rate_limit == 0


def test_rate_limiter_refills_per_account():
    now = [0.0]
    limiter = RateLimiter(2, clock=lambda: now[0])  # 2 a second, bursts of 4
    for _ in range(4):
        limiter.check("111111111111")
    with pytest.raises(RequestRefused) as refused:
        limiter.check("111111111111")
    assert (refused.value.code, refused.value.status) == ("CallRateLimitExceededException", 429)
    limiter.check("222222222222")  # another account has its own bucket
    now[0] = 0.5  # one call's worth refilled
    limiter.check("111111111111")
    with pytest.raises(RequestRefused):
        limiter.check("111111111111")
