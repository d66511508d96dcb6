"""Celery application. Without REDIS_URL every task runs inline (eager)."""

import logging
import os

import kombu
from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ozgeris.settings")

logger = logging.getLogger(__name__)

app = Celery("ozgeris")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# kombu 5.7's Redis transport kills the worker when Redis crashes while the worker holds
# unacknowledged tasks (late acknowledgement) and waits on a BRPOP (issue 14):
#
# 1. The consumer loses its connection; celery.worker.consumer.Consumer
#    .on_connection_error_after_connected() calls kombu's Connection.collect().
# 2. collect() closes the task channel first; its Channel.close() reads the pending BRPOP reply
#    and raises a connection error before it has closed anything (swallowed). Then
#    Transport.close_connection() closes every channel, the control channel first, whose
#    close also meets the dead socket and raises, ending the loop: the task channel, with its
#    unacknowledged tasks, is still open when collect() detaches the transport
#    (Connection._do_close_transport() sets ``transport.client = None``).
# 3. The consumer then calls connection.close(), which closes the task channel again: its
#    QoS.restore_unacked() asks for a new Redis client, and Channel._connparams() reads
#    ``self.connection.client.hostname``: AttributeError "'NoneType' object has no attribute
#    'hostname'". That is no connection error, so neither kombu's maybe_close_channel(), nor
#    Celery's ignore_errors(), nor the consumer's reconnect loop catches it: "Unrecoverable
#    error", and the worker exits. An idle worker has nothing to restore and survives. A late
#    acknowledgement on such a channel (a prefork child finishing after the loss) fails the
#    same way ("... no attribute 'client'").
#
# No setting avoids it while keeping late acknowledgement: ``ack_emulation: False`` makes the
# restore failure non-fatal but drops every task a crashed worker had taken (a queued export
# would never run). So a channel whose connection is gone says so with the error every caller
# already handles. Nothing is lost by not restoring there: with Redis down the restore could not
# run anyway; a Redis that crashed lost the ``unacked`` hash with everything else (beat's seal
# and drain catch up); a Redis that survived keeps the tasks in that hash, and a worker puts them
# back after the visibility timeout. Applied only to the kombu versions it was checked on; the
# Redis-kill drill in tests/test_drills.py says whether a newer one still needs it.
PATCHED_KOMBU = ((5, 7),)


def _patch_redis_channel_without_connection():
    from kombu.transport import redis as transport

    connparams = transport.Channel._connparams
    if getattr(connparams, "ozgeris_patched", False):
        return

    def _connparams(self, asynchronous=False):
        if self.connection is None or self.connection.client is None:
            logger.warning("The broker connection of this channel is closed; its unacknowledged "
                           "tasks stay in Redis and are delivered again after the visibility "
                           "timeout.")
            raise transport.redis.exceptions.ConnectionError(
                "the broker connection of this channel is closed")
        return connparams(self, asynchronous=asynchronous)

    _connparams.ozgeris_patched = True
    transport.Channel._connparams = _connparams


if tuple(kombu.VERSION[:2]) in PATCHED_KOMBU:
    _patch_redis_channel_without_connection()
