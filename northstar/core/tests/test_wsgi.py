"""The WSGI entry point gunicorn loads: the URL configuration is imported at start-up and what
start-up left alive is frozen out of the garbage collector's full collections."""

import os
import subprocess
import sys

from django.conf import settings


def test_the_wsgi_module_loads_the_urls_and_freezes_start_up_objects():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "northstar.settings.deploy",
        "DJANGO_SECRET_KEY": "k" * 64,
        "NORTHSTAR_HTTPS": "0",
    }
    script = (
        "import gc, sys; import northstar.wsgi as w; "
        "print(callable(w.application), 'northstar.funding.views' in sys.modules, "
        "gc.get_freeze_count())"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=settings.REPO_DIR,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout.split()
    assert out[:2] == ["True", "True"]
    assert int(out[2]) > 50_000
