import logging

import pytest


@pytest.fixture
def security_log(caplog):
    """caplog for the `northstar.security` logger (which does not propagate to the root logger)."""
    logger = logging.getLogger("northstar.security")
    added = caplog.handler not in logger.handlers
    if added:
        logger.addHandler(caplog.handler)
    caplog.set_level(logging.INFO, logger="northstar.security")
    try:
        yield caplog
    finally:
        if added:
            logger.removeHandler(caplog.handler)


@pytest.fixture
def fresh_base_settings():
    """Load northstar.settings.base afresh with the given NORTHSTAR_* environment (and none of
    the caller's), to see what the service's settings would be; restored afterwards."""
    import importlib
    import os

    from northstar.settings import base

    saved = dict(os.environ)

    def load(**env: str):
        for name in [n for n in os.environ if n.startswith("NORTHSTAR_")]:
            del os.environ[name]
        os.environ.update(env)
        return importlib.reload(base)

    try:
        yield load
    finally:
        os.environ.clear()
        os.environ.update(saved)
        importlib.reload(base)
