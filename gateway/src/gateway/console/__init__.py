"""The web console: the built single-page app served at ``/``."""
