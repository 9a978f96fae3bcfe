"""Deals: create, edit, stage moves, lists, the kanban board, and deals from conversions."""
