"""Reading the service's HTML pages the way a test needs: elements by id, their text, links."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

_VOID = frozenset({"meta", "link", "br", "img", "input", "hr", "source", "wbr"})


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""
    inner_tags: list[str] = field(default_factory=list)


class HtmlPage(HTMLParser):
    """Elements with an id (attributes, text, tags inside), meta tags by name, and the
    ``href`` of every link (``<a>``) in the order of the page."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.by_id: dict[str, Element] = {}
        self.meta: dict[str, str] = {}
        self.hrefs: list[str] = []
        self.title = ""
        self._open: list[tuple[str, Element | None]] = []
        self._in_title = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        self._record(tag, values)
        if tag == "title":
            self._in_title = True
        if tag in _VOID:
            return
        element = None
        if "id" in values:
            element = Element(tag, values)
            assert values["id"] not in self.by_id, f"duplicate id {values['id']!r}"
            self.by_id[values["id"]] = element
        self._open.append((tag, element))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._record(tag, {name: value or "" for name, value in attrs})

    def _record(self, tag: str, values: dict[str, str]) -> None:
        for _, element in self._open:
            if element is not None:
                element.inner_tags.append(tag)
        if tag == "meta" and "name" in values:
            self.meta[values["name"]] = values.get("content", "")
        if tag == "a" and "href" in values:
            self.hrefs.append(values["href"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag in _VOID:
            return
        while self._open:
            opened, _ = self._open.pop()
            if opened == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        for _, element in self._open:
            if element is not None:
                element.text += data

    def href(self, element_id: str) -> str:
        element = self.by_id[element_id]
        assert element.tag == "a", element
        return element.attrs["href"]

    def text(self, element_id: str) -> str:
        return " ".join(self.by_id[element_id].text.split())
