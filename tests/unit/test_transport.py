"""The unix-socket transport keeps one connection pool per socket, whatever the URL."""

from urllib.parse import quote

from dshell.engine.transport import SocketPoolAdapter


def test_one_pool_per_socket_whatever_the_path_and_query():
    adapter = SocketPoolAdapter()
    base = f"http+unix://{quote('/tmp/a.sock', safe='')}"
    first = adapter.get_connection(f"{base}/v1.41/containers/json?all=1")
    second = adapter.get_connection(f"{base}/v1.41/images/json?filters=%7B%7D")
    other = adapter.get_connection(f"http+unix://{quote('/tmp/b.sock', safe='')}/_ping")
    assert first is second
    assert other is not first
    assert first.pool.maxsize == 10
