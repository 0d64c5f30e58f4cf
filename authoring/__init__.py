"""Authoring pages for staff inside the admin (the transcript editor, `transcript_editor`)."""
