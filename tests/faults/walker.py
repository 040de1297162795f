"""A parent's phone over real HTTP (stdlib http.client): open the link, Start, each page, review, submit.

One keep-alive connection and the session cookie per parent; every request's status and
latency is kept, so a test can check statuses and the load bench can report percentiles.
"""

from __future__ import annotations

import http.client
import re
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
TEXT = re.compile(r'name="text" value="([^"]+)"')
RADIO = re.compile(r'type="radio" name="([^"]+)" value="([^"]+)"')
SET_COOKIE = re.compile(r"^((?:__Host-)?session=[^;]*)")  # __Host- wherever the portal is not plain http


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    location: str
    body: str
    seconds: float


@dataclass
class Parent:
    base_url: str
    token: str
    timeout: float = 60.0
    cookie: str = ""  # the session cookie as the Cookie header sends it: name=value
    answered: dict[str, str] = field(default_factory=dict)  # every radio item sent, with its code
    log: list[tuple[str, str, int, float]] = field(default_factory=list)  # (method, path, status, seconds)
    connection: http.client.HTTPConnection | None = None
    resent: int = 0  # requests sent again on a new connection after the old one dropped

    def request(self, method: str, path: str, form: dict[str, str] | None = None,
                close: bool = False) -> Answer:
        body = urlencode(form).encode() if form is not None else None
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        try:
            answer = self._exchange(method, path, body, headers)
        except (OSError, http.client.HTTPException):
            self.close()  # a dropped keep-alive connection: open a new one once, as a browser does
            self.resent += 1
            answer = self._exchange(method, path, body, headers)
        seconds = time.perf_counter() - started
        if close:
            self.close()
        self.log.append((method, path, answer[0], seconds))
        return Answer(answer[0], answer[1], answer[2], seconds)

    def _exchange(self, method: str, path: str, body: bytes | None,
                  headers: dict[str, str]) -> tuple[int, str, str]:
        if self.connection is None:
            self._connect()
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        for value in response.headers.get_all("Set-Cookie") or []:
            match = SET_COOKIE.match(value)
            if match:
                self.cookie = match.group(1)
        return response.status, urlsplit(response.headers.get("Location", "")).path, text

    def send_only(self, method: str, path: str, form: dict[str, str]) -> None:
        """Send a request and do not wait for the answer: the phone that loses its signal mid-submit."""
        headers = {"Cookie": self.cookie, "Content-Type": "application/x-www-form-urlencoded"}
        self.close()
        self.connection = self._connect()
        self.connection.request(method, path, body=urlencode(form).encode(), headers=headers)

    def _connect(self) -> http.client.HTTPConnection:
        parts = urlsplit(self.base_url)
        self.connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=self.timeout)
        return self.connection

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    # the walk ------------------------------------------------------------------------------------

    def start(self) -> str:
        """Open the link, press Start: the path of the first page with an empty question."""
        shown = self.expect(self.request("GET", f"/s/{self.token}"), 200)
        return self.expect(self.request("POST", f"/s/{self.token}", {"csrf_token": csrf(shown.body)}), 302)\
            .location

    def answer_page(self, path: str) -> str:
        """Each radio item on the page answered with its first code; the path Next leads to."""
        shown = self.expect(self.request("GET", path), 200)
        chosen: dict[str, str] = {}
        for name, value in RADIO.findall(shown.body):
            chosen.setdefault(name, value)
        self.answered.update(chosen)
        text = TEXT.search(shown.body)  # the language the items were shown in, sent back as a browser does
        form = {"csrf_token": csrf(shown.body), "text": text.group(1) if text else "", "go": "next", **chosen}
        return self.expect(self.request("POST", path, form), 302).location

    def answer_until(self, path: str, stop_after: int | None = None) -> str:
        """From `path`, answer pages up to the review page (or up to page `stop_after`)."""
        while path.startswith("/q/") and path != "/q/review":
            number = int(path.rsplit("/", 1)[1])
            path = self.answer_page(path)
            if stop_after is not None and number >= stop_after:
                break
        return path

    def submit_form(self) -> dict[str, str]:
        review = self.expect(self.request("GET", "/q/review"), 200)
        return {"csrf_token": csrf(review.body)}

    def submit(self) -> Answer:
        return self.expect(self.request("POST", "/q/submit", self.submit_form()), 303)

    def walk(self) -> None:
        """The whole wave, as one parent answering everything in one sitting."""
        self.answer_until(self.start())
        thanks = self.submit()
        self.expect(self.request("GET", thanks.location), 200)

    @staticmethod
    def expect(answer: Answer, status: int) -> Answer:
        if answer.status != status:
            raise UnexpectedAnswer(f"HTTP {answer.status} where {status} was expected: {answer.body[:300]}")
        return answer


class UnexpectedAnswer(Exception):
    pass


def csrf(html: str) -> str:
    match = CSRF.search(html)
    if match is None:
        raise UnexpectedAnswer("no form on the page")
    return match.group(1)


def wave(base_url: str, tokens: list[str], timeout: float = 120.0) -> tuple[list[Parent], list[str]]:
    """Every parent walks the whole wave at the same moment, one thread each: (parents, what went wrong)."""
    parents = [Parent(base_url, token, timeout=timeout) for token in tokens]
    barrier = threading.Barrier(len(parents))
    problems: list[str] = []

    def one(parent: Parent) -> None:
        barrier.wait()
        try:
            parent.walk()
        except (UnexpectedAnswer, OSError, http.client.HTTPException) as error:
            problems.append(f"{type(error).__name__}: {str(error)[:200]}")
        finally:
            parent.close()

    threads = [threading.Thread(target=one, args=(parent,)) for parent in parents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return parents, problems
