"""Module packages: a whole module moved between installations as a folder or a zip.

A package holds `module.toml` (the module, its series, objectives, competencies, statements
and quiz), `transcript.vtt` and the video (and poster) as they were uploaded. It sits above
modules/ and quizzes/ because it touches both. The demo series is loaded as packages too.
"""
