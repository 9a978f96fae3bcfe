"""Templates: the safe ``{{token}}`` e-mail language, rendering per member, previews."""
