"""Images people forward: screenshots read by OCR, re-posts of known rumor images recognised by their look.

The package knows nothing of any platform: adapters hand it the bytes of an image, it hands back text,
hashes and, through the same Checker as typed text, a decision.
"""
