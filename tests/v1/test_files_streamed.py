"""A v1 file is streamed, never read whole into memory: the sync answer and the signed link send the
stored file in pieces of at most CHUNK_BYTES, with its exact Content-Length and the same headers."""

from optimizer import storage
from tests.v1.conftest import bearer, compress, pieces

SMALL_CHUNK = 1024  # smaller than any result, so a whole-file read would show as one piece


def _streamed_in_bounded_pieces(response) -> bytes:
    assert response.status_code == 200 and response.streaming
    sent = pieces(response)
    assert len(sent) > 1 and max(map(len, sent)) <= SMALL_CHUNK
    data = b"".join(sent)
    assert int(response["Content-Length"]) == len(data)
    return data


def test_the_answer_and_the_signed_link_stream_the_file_in_bounded_pieces(client, key, cluster, monkeypatch):
    monkeypatch.setattr(storage, "CHUNK_BYTES", SMALL_CHUNK)
    answer = compress(client, key)
    served = _streamed_in_bounded_pieces(answer)
    assert int(answer["X-Compressed-Size"]) == len(served)
    assert answer["Content-Type"] == "image/jpeg" and answer["Content-Disposition"].endswith('.jpg"')

    job = client.get(f"/api/v1/jobs/{answer['X-Job-Id']}", **bearer(key)).json()
    linked = client.get("/api/v1/files/" + job["download_url"].split("/api/v1/files/")[1])
    assert _streamed_in_bounded_pieces(linked) == served
    assert linked["Content-Disposition"] == f'attachment; filename="{answer["X-Job-Id"]}.jpg"'
