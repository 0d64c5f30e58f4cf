"""Prometheus metrics at /metrics: requests, database and cache, for the token holder only."""

from __future__ import annotations

import pytest

from tests.app_server import app_server, get
from tests.factories import make_module

pytestmark = pytest.mark.django_db(transaction=True)
TOKEN = "metrics-test-token-0123456789"


@pytest.fixture
def metrics_site(collected_static):
    with app_server(workers=2, METRICS_TOKEN=TOKEN, STATIC_ROOT=str(collected_static)) as url:
        yield url


def _scrape(url: str) -> str:
    status, _, body = get(url + "/metrics", Authorization=f"Bearer {TOKEN}")
    assert status == 200
    return body.decode()


def _value(text: str, prefix: str) -> float:
    return sum(
        float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(prefix)
    )


def test_metrics_count_requests_and_database_queries_across_workers(metrics_site):
    module = make_module()
    before = _scrape(metrics_site)
    for _ in range(6):
        assert get(f"{metrics_site}/modules/{module.slug}/")[0] == 200
    after = _scrape(metrics_site)
    responses = 'django_http_responses_total_by_status_total{status="200"}'
    assert _value(after, responses) - _value(before, responses) >= 6
    assert _value(after, "django_db_execute_total{") > _value(before, "django_db_execute_total{")
    assert "django_http_requests_latency_seconds_by_view_method_bucket" in after


@pytest.mark.parametrize(
    "authorization", [None, "Bearer wrong-token", f"Basic {TOKEN}", f"Bearer {TOKEN}x"]
)
def test_metrics_are_404_without_the_right_bearer_token(metrics_site, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    status, _, body = get(metrics_site + "/metrics", **headers)
    assert status == 404 and b"django_http" not in body


def test_metrics_are_off_when_no_token_is_set(collected_static):  # noqa: F811
    with app_server(STATIC_ROOT=str(collected_static)) as url:
        assert get(url + "/metrics", Authorization="Bearer ")[0] == 404


def test_metrics_show_the_job_queue_by_queue_and_state(client, settings):
    from django.core.mail import send_mail

    settings.METRICS_TOKEN = TOKEN
    settings.EMAIL_BACKEND = "accounts.mail.QueuedEmailBackend"
    send_mail("Subject", "Body", None, ["coach@example.org"])
    send_mail("Subject", "Body", None, ["other@example.org"])
    text = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").content.decode()
    assert 'coachlearn_jobs{queue="mail",status="todo"} 2' in text
    assert 'coachlearn_jobs_oldest_waiting_seconds{queue="mail"}' in text
    assert "coach@example.org" not in text
