"""Sample answers for `kulak demo`, one file per source, named like the source's spider.

Each file has `install(replay, now) -> dict`: it registers the source's invented sample
answers (in the source's real format) on a replay server and returns the source's
settings entry, without `base_url` (the demo points it at the server).
"""
