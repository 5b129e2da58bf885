"""The load generator's rate: requests per second inside the timed window."""

import pytest

from bench.loadgen import _rate_in_window


def closed_loop(clients: int, latencies: list[float], seconds: float, start: float = 100.0) -> list[tuple]:
    """Samples of `clients` clients, each sending request after request (with
    these latencies, in turn) from `start` until one begins at or after the window's end."""
    samples = []
    for k in range(clients):
        t, i = start, k
        while t < start + seconds:
            latency = latencies[i % len(latencies)]
            samples.append(("row", t, t + latency, None))
            t, i = t + latency, i + 1
    return samples


@pytest.mark.parametrize("latencies", [[0.015], [0.1], [0.05, 0.05, 0.05, 0.05, 0.3]])
def test_the_rate_is_the_work_done_inside_the_window(latencies):
    clients, seconds = 16, 1.5
    samples = closed_loop(clients, latencies, seconds)
    true_rate = clients / (sum(latencies) / len(latencies))
    assert _rate_in_window(samples, 100.0, seconds) == pytest.approx(true_rate, rel=0.02)


def test_a_straggler_no_longer_counts_against_the_row():
    # Every client at 50 ms, but one request that ends the burst takes 300 ms:
    # the time until the last reply charged the whole burst for it.
    clients, seconds = 16, 1.5
    samples = closed_loop(clients, [0.05], seconds)
    name, t0, _, error = samples[-1]
    samples[-1] = (name, t0, t0 + 0.3, error)
    last_reply = max(t1 for _, _, t1, _ in samples) - 100.0
    assert len(samples) / last_reply < 0.9 * clients / 0.05
    assert _rate_in_window(samples, 100.0, seconds) == pytest.approx(clients / 0.05, rel=0.02)


def test_a_run_ended_by_its_request_count_counts_every_request():
    samples = [("row", 100.0 + i * 0.01, 100.0 + (i + 1) * 0.01, None) for i in range(50)]
    assert _rate_in_window(samples, 100.0, 0.5) == pytest.approx(100.0)
    assert _rate_in_window([], 100.0, 0.0) is None
