"""Matching in the app: running the engine, reviewing proposals, confirmed matches."""
