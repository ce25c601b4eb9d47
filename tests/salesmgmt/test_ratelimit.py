import pytest
import time_machine

from salesmgmt.ratelimit import Rate, hit, is_limited

pytestmark = pytest.mark.django_db


def test_rates_parse_counts_and_periods():
    assert Rate.parse("5/hour") == Rate(5, 3600)
    assert Rate.parse("10/min") == Rate(10, 60)
    assert Rate.parse("3/15min") == Rate(3, 900)
    with pytest.raises(ValueError, match="not a rate"):
        Rate.parse("five/hour")
    with pytest.raises(ValueError, match="not a rate"):
        Rate.parse("5/fortnight")


def test_hits_within_the_rate_pass_and_the_next_one_is_refused():
    with time_machine.travel("2026-12-04 10:00:00+00:00", tick=False):
        assert [hit("reset:a@example.com", "3/hour") for _ in range(4)] == [True, True, True, False]
        assert is_limited("reset:a@example.com", "3/hour")
        assert not is_limited("reset:b@example.com", "3/hour")
        assert hit("reset:b@example.com", "3/hour")


def test_a_new_window_starts_a_new_count():
    with time_machine.travel("2026-12-04 10:00:00+00:00", tick=False):
        for _ in range(2):
            hit("k", "2/min")
        assert not hit("k", "2/min")
    with time_machine.travel("2026-12-04 10:01:00+00:00", tick=False):
        assert hit("k", "2/min")
