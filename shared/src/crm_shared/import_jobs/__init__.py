"""CSV imports as background jobs: stored uploads, claims, checkpoints, pacing, HTTP."""
