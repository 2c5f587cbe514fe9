"""bench/chaos's CI variant: 50 000 events while weir meets one fault of each
kind (kill -9, broker and store restarts, both partitions, a slow store, a
full disk). bench/chaos starts its own servers and namespace; `-m "not
chaos"` leaves it out."""
import os
import pathlib
import re
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
# The publisher spreads them over the faults, so every fault meets a queue
# with work in it; the run's length is set by the faults, not the count.
EVENTS = 50_000
LAST = re.compile(r"events=(\d+) stored=(\d+) lost=(\d+) duplicated=(\d+) "
                  r"dead_letters=(\d+) faults=(\d+) aggregates_ok=(yes|no)")


@pytest.mark.chaos
def test_chaos_one_fault_of_each_kind(weir_bin):
    # The report stays in .weir/chaos-<time> (bench/chaos's default), also
    # when the test passes and scripts/test removes its state.
    r = subprocess.run([str(REPO / "bench" / "chaos"), "--ci", "--events", str(EVENTS)],
                       env=dict(os.environ, WEIR_BIN=weir_bin),
                       capture_output=True, text=True, timeout=900)
    print(r.stdout)
    lines = r.stdout.strip().splitlines()
    m = LAST.fullmatch(lines[-1]) if lines else None
    assert m, f"bench/chaos exited {r.returncode} without its last line:\n" \
              f"{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    events, stored, lost, duplicated, dead, faults = map(int, m.groups()[:6])
    assert (events, stored, lost, duplicated) == (EVENTS, EVENTS, 0, 0), lines[-1]
    assert dead == EVENTS // 100, f"{dead} dead letters for {EVENTS // 100} invalid " \
                                  f"messages: {lines[-1]}"
    assert faults == 7, lines[-1]
    assert m.group(7) == "yes", "aggregates differ from a recount:\n" + "\n".join(lines[-12:])
    assert r.returncode == 0, "\n".join(lines[-12:])
