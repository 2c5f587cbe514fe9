"""Fixtures for the Debian-path twins (scripts/test-twins, scripts/vm-test-twin).

The twins use the integration tests' machinery unchanged: the `world`
fixture (own exchange, queues and database per test, WeirProcess, AMQP and
MongoDB helpers), the publishers and the event catalogue. This file loads
tests/integration/conftest.py under another module name and re-exports its
fixtures and its report hook, so there is one copy of that code.
"""
import importlib.util
import pathlib
import sys

_IT = pathlib.Path(__file__).resolve().parents[1] / "integration"
if str(_IT) not in sys.path:
    sys.path.insert(0, str(_IT))

_spec = importlib.util.spec_from_file_location("weir_it_conftest",
                                               _IT / "conftest.py")
_it = importlib.util.module_from_spec(_spec)
sys.modules["weir_it_conftest"] = _it
_spec.loader.exec_module(_it)

# Fixtures and the hook that attaches weir's log tails to failure reports.
stack_env = _it.stack_env
world = _it.world
stack = _it.stack
weir_bin = _it.weir_bin
pytest_runtest_makereport = _it.pytest_runtest_makereport
