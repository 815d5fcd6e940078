import subprocess
import sys

# A library user drives a crawl and returns without calling reactor.shutdown():
# Scrapy's DNS lookups have left a thread in Twisted's pool.
USE_THE_POOL_AND_RETURN = """
from twisted.internet import threads
from monitor import reactor

loop = reactor.loop()
print(reactor.run(threads.deferToThread(lambda: 6 * 7).asFuture(loop)))
"""


def test_a_program_using_the_reactor_exits_without_an_explicit_shutdown():
    done = subprocess.run(
        [sys.executable, "-c", USE_THE_POOL_AND_RETURN],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "42"
