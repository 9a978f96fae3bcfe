"""What every request passes through besides the routes: the per-IP rate limit, gzip, and
the token buckets behind the per-IP and per-caller rate limits."""
