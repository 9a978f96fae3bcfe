"""Sales targets: the amount an owner should win in a month or a quarter."""
