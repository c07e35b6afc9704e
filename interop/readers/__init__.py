"""Readers turn another system's roster file into the roster CSV that ``safeguard.directory.roster`` already
checks and applies, remembering where every cell came from so that its errors name the original file, line (or
record) and field. See ``base.Conversion``."""
