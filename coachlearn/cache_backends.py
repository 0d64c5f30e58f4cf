"""The Redis cache backend: django-redis, counted by django-prometheus, safe to lose.

With IGNORE_EXCEPTIONS every read during a Redis outage is a miss and every write is
dropped, which is right for page fragments. `add` is different: allauth takes it as a lock
(rate limits) and as "this one-time code is now used" (two-factor codes), so a dropped add
would refuse every sign-in. While Redis is unreachable it is answered from the worker's own
memory instead: locks and used codes hold within one worker until Redis is back.
"""

from __future__ import annotations

import logging

from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django_prometheus.cache.backends.redis import RedisCache as CountedRedisCache
from django_redis.exceptions import ConnectionInterrupted

logger = logging.getLogger("coachlearn.cache")


class RedisCache(CountedRedisCache):
    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None, client=None) -> bool:
        try:
            return self.client.add(key, value, timeout=timeout, version=version, client=client)
        except ConnectionInterrupted as error:
            logger.warning("Redis unreachable; cache.add answered by this worker: %s", error)
            return caches["local"].add(self.make_key(key, version), value, timeout)
