"""The matcher: Vietnamese normalisation, indicators, candidate index, lexical and semantic matchers, evaluation."""
