"""Users of the platform: who may log in, with which roles; admins manage them."""
