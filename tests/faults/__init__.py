"""Fault-injection tests. Imported by the test worker with `-I tests.faults`, this module also
slows rendering down and shortens the broker's visibility timeout, in that worker only: both
are driven by environment variables that only the fault tests' worker has."""

import os

_RENDER_DELAY = os.environ.get("PARCOURS_FAULTS_RENDER_DELAY")
_VISIBILITY_TIMEOUT = os.environ.get("PARCOURS_FAULTS_VISIBILITY_TIMEOUT")

if _RENDER_DELAY:
    import functools
    import time

    from certificates import rendering

    _html_to_pdf = rendering.html_to_pdf

    @functools.wraps(_html_to_pdf)
    def _slow_html_to_pdf(*args, **kwargs) -> bytes:
        # Long enough for the test to kill the process while it renders.
        time.sleep(float(_RENDER_DELAY))
        return _html_to_pdf(*args, **kwargs)

    rendering.html_to_pdf = _slow_html_to_pdf

if _VISIBILITY_TIMEOUT:
    from lms.celery import app

    # Read when the consumer connects, after `-I` modules are imported. Unacknowledged
    # messages of a dead worker come back after this many seconds, and the sweep that brings
    # them back runs every second instead of every 100.
    app.conf.broker_transport_options = {
        **app.conf.broker_transport_options,
        "visibility_timeout": float(_VISIBILITY_TIMEOUT),
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }

_QUEUE = os.environ.get("PARCOURS_FAULTS_QUEUE")
_SWEEP_EVERY = os.environ.get("PARCOURS_FAULTS_SWEEP_EVERY")

if _QUEUE:
    from lms.celery import app

    # As in production: what this worker sends (the sweeper thread's redispatches) goes to
    # the broker, on the test's queue, instead of running eagerly as the test settings say.
    app.conf.update(task_always_eager=False, task_default_queue=_QUEUE)

if _SWEEP_EVERY:
    from certificates import services
    from lms.auditpack import services as pack_services
    from lms.convocations import services as convocation_services

    services.SWEEP_EVERY = pack_services.SWEEP_EVERY = float(_SWEEP_EVERY)
    convocation_services.SWEEP_EVERY = float(_SWEEP_EVERY)

_BUILD_DELAY = os.environ.get("PARCOURS_FAULTS_BUILD_DELAY")

if _BUILD_DELAY:
    import functools
    import time

    from lms.auditpack import services as pack_services

    _write_zip = pack_services.write_zip

    @functools.wraps(_write_zip)
    def _slow_write_zip(*args, **kwargs):
        # Long enough for the test to kill the worker while it builds the pack.
        time.sleep(float(_BUILD_DELAY))
        return _write_zip(*args, **kwargs)

    pack_services.write_zip = _slow_write_zip
