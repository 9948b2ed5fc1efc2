"""`manage.py serve` ends its start-up output with where to go next."""

from reducer.management.commands.serve import next_steps


def test_the_next_steps_name_the_page_docs_admin_and_a_first_request_with_the_new_key():
    shown = next_steps("http://127.0.0.1:8000", "A" * 20)
    for place in ("http://127.0.0.1:8000/\n", "/account/", "/api/v1/docs", "/admin/"):
        assert place in shown
    assert f"Bearer {'A' * 20}" in shown and "curl --fail" in shown and "/api/v1/compress" in shown


def test_without_a_new_key_the_request_says_how_to_get_one():
    shown = next_steps("http://127.0.0.1:8000", None)
    assert "YOUR_KEY" in shown and "createaccount" in shown
