"""Data the package ships, read with importlib.resources: the topic list (topics.csv), the
hematology lexicon (lexicon.csv), the phrases of each field (topic_phrases.csv) and the demo's
raw material (demo.json)."""
