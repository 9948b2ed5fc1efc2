"""The operator's account page as a browser would submit it, for tests that save it."""

from html.parser import HTMLParser


class SubmittedForm(HTMLParser):
    """The fields a browser would submit from the page's form (the save button included)."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs) -> None:
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                return
            if kind == "submit" and name != "_save":
                return
            self.data[name] = attrs.get("value") or ("on" if kind == "checkbox" else "")
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in attrs:
            self.data[self._select] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.data[self._textarea] += data


def account_page(admin_client, account) -> tuple[str, dict[str, str]]:
    return admin_form(admin_client, f"/admin/accounts/account/{account.pk}/change/")


def admin_form(admin_client, url: str) -> tuple[str, dict[str, str]]:
    """The page at ``url`` and the fields its form would submit."""
    response = admin_client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    form = SubmittedForm()
    form.feed(html)
    return html, form.data
