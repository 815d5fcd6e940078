"""Item pipelines, one per file; their order is this dict."""

PIPELINES = {
    "monitor.pipelines.match.MatchPipeline": 100,
    "monitor.pipelines.language.LanguagePipeline": 200,
    "monitor.pipelines.sentiment.SentimentPipeline": 300,
    "monitor.pipelines.store.StorePipeline": 400,
}
