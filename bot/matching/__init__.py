"""The matcher: Vietnamese normalisation, indicators, the candidate index, the lexical and semantic matchers, evaluation."""
