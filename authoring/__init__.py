"""Authoring modules, quizzes and certificates for programme staff."""
