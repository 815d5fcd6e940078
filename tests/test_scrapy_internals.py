"""The few non-public names of Scrapy and Twisted kulak relies on. When an upgrade renames
or reshapes one, this fails here, naming it, instead of a collector failing in production."""

from __future__ import annotations

import asyncio
import inspect

from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware

from monitor import reactor


def parameters(function) -> list[str]:
    return list(inspect.signature(function).parameters)


def test_robots_middleware_hooks_kept_for_a_day():
    # spiders.middlewares.CachedRobotsTxtMiddleware overrides these and reads `_parsers`.
    assert inspect.iscoroutinefunction(RobotsTxtMiddleware._parse_robots)
    assert parameters(RobotsTxtMiddleware._parse_robots) == [
        "self",
        "response",
        "netloc",
        "request",
    ]
    assert parameters(RobotsTxtMiddleware.process_request_2) == ["self", "rp", "request"]
    assert inspect.iscoroutinefunction(RobotsTxtMiddleware.robot_parser)
    assert "self._parsers" in inspect.getsource(RobotsTxtMiddleware.__init__)


def test_a_crawler_engine_can_be_read_before_the_crawl_runs():
    # monitor.crawl.stop_crawl waits on `crawler._engine` to stop a crawl still opening.
    assert "self._engine" in inspect.getsource(Crawler.__init__)


def test_the_asyncio_reactor_exposes_its_loop():
    # monitor.reactor drives coroutines on the loop under Twisted's asyncio reactor.
    assert isinstance(reactor.loop(), asyncio.AbstractEventLoop)
