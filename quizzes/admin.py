from django.contrib import admin

from quizzes.models import Attempt, Choice, Completion, Question, Quiz, WatchProgress


class QuestionInline(admin.StackedInline):
    model = Question
    extra = 0
    fields = ["position", "text", "kind", "objective", "review_at_seconds"]
    show_change_link = True


class ChoiceInline(admin.TabularInline):
    model = Choice
    extra = 2


@admin.register(Quiz)
class QuizAdmin(admin.ModelAdmin):
    list_display = ["module", "pass_mark", "max_attempts", "shuffle", "required_watch_percent"]
    inlines = [QuestionInline]


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["text", "quiz", "kind", "objective"]
    list_filter = ["quiz"]
    inlines = [ChoiceInline]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Learners' records: staff may read them, nobody edits them through the app."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Attempt)
class AttemptAdmin(ReadOnlyAdmin):
    list_display = ["user", "quiz", "score_percent", "passed", "started_at", "finished_at"]
    list_filter = ["passed", "quiz"]
    search_fields = ["user__email"]


@admin.register(Completion)
class CompletionAdmin(ReadOnlyAdmin):
    list_display = ["user", "module", "completed_at"]
    search_fields = ["user__email"]


@admin.register(WatchProgress)
class WatchProgressAdmin(ReadOnlyAdmin):
    list_display = ["user", "module", "watched_seconds", "position_seconds", "updated_at"]
    search_fields = ["user__email"]
