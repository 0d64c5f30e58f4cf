"""The one authoring page per module and the transcript editor: staff pages in the admin
that bring modules, quizzes and certificates together."""
