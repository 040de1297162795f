"""A parent with a phone: enrolled by the builder, answering through the test client."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.conftest import Clock, csrf_from
from tests.support.builders import Enrolled, enrol_family
from tests.support.catalogues import compile_stale


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogues() -> None:
    """A missing or stale .mo falls back to English silently: compile before any page is read."""
    compile_stale("messages")


@dataclass
class Parent:
    """The browser side of one parent: follows redirects like a phone does."""

    client: FlaskClient
    token: str

    def open(self, **headers: str) -> TestResponse:
        return self.client.get(f"/s/{self.token}", headers=headers)

    def start(self) -> TestResponse:
        page = self.open()
        return self.client.post(f"/s/{self.token}", data={"csrf_token": csrf_from(page.text)})

    def post(self, path: str, data: dict[str, str], follow: bool = False) -> TestResponse:
        page = self.client.get(path)
        form = hidden_fields(page.text, path)
        return self.client.post(path, data={**form, **data}, follow_redirects=follow)

    def answer(self, number: int, data: dict[str, str], go: str = "next") -> TestResponse:
        return self.post(f"/q/{number}", {**data, "go": go})

    def answer_everything(self) -> TestResponse:
        """Start (or carry on) and choose each item's first option until the review page."""
        response = self.start()
        while "/q/review" not in response.location:
            number = int(response.location.rsplit("/", 1)[1])
            response = self.answer(number, first_options(self.client.get(f"/q/{number}").text))
        return response

    def submit(self) -> TestResponse:
        review = self.client.get("/q/review")
        return self.client.post("/q/submit", data={"csrf_token": csrf_from(review.text)})


def hidden_fields(html: str, action: str) -> dict[str, str]:
    """What a browser sends back with the page's form to `action` besides the answers: the form token
    and, on a questionnaire page, the language its items were shown in. A page without that form
    (the neutral page): its form token only."""
    start = html.find(f'action="{action}"')
    if start < 0:
        return {"csrf_token": csrf_from(html)}
    form = html[start:html.index("</form>", start)]
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))


def first_options(html: str) -> dict[str, str]:
    """Each radio item on a page answered with its first option's code."""
    chosen: dict[str, str] = {}
    for name, value in re.findall(r'type="radio" name="([^"]+)" value="([^"]+)"', html):
        chosen.setdefault(name, value)
    return chosen


@pytest.fixture
def family(app: Flask, clock: Clock) -> Enrolled:
    return enrol_family(app, now=clock.now)


@pytest.fixture
def token(family: Enrolled) -> str:
    return family.tokens[f"{family.respondents[0]}/T0"]


@pytest.fixture
def parent(client: FlaskClient, token: str) -> Iterator[Parent]:
    yield Parent(client, token)


def rows_everywhere(app: Flask) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table in the main store, to show that a request changed nothing."""
    from sqlalchemy import select

    from portal.db import Base, db

    with app.app_context():
        return {
            table.name: sorted((tuple(row) for row in db.session.execute(select(table))), key=repr)
            for table in Base.metadata.sorted_tables
        }
