"""Who is calling and how they prove it: log-in, access and refresh tokens, the signing
keys and their JWKS, service accounts, and API keys swapped for tokens."""
