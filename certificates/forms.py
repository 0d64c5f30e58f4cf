from django import forms

from certificates.models import EvaluationQuestion

YES_NO = [("yes", "Yes"), ("no", "No")]
SCALE = [(str(n), str(n)) for n in range(1, 6)]


class ClaimForm(forms.Form):
    """Confirm the printed name and answer the module's evaluation."""

    printed_name = forms.CharField(
        label="Your name exactly as it will be printed",
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    def __init__(self, *args, user, questions: list[EvaluationQuestion], **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        self.fields["printed_name"].initial = user.certificate_name
        for question in questions:
            self.fields[self.field_name(question)] = self._field_for(question)

    @staticmethod
    def field_name(question: EvaluationQuestion) -> str:
        return f"evaluation_{question.pk}"

    def _field_for(self, question: EvaluationQuestion) -> forms.Field:
        common = {"label": question.text, "required": question.required}
        if question.kind == EvaluationQuestion.Kind.YES_NO:
            return forms.ChoiceField(choices=YES_NO, widget=forms.RadioSelect, **common)
        if question.kind == EvaluationQuestion.Kind.SCALE:
            return forms.ChoiceField(
                choices=SCALE,
                widget=forms.RadioSelect,
                help_text="1 = strongly disagree, 5 = strongly agree",
                **common,
            )
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=5000, **common)

    def evaluation_answers(self) -> dict[int, str]:
        return {
            question.pk: self.cleaned_data.get(self.field_name(question)) or ""
            for question in self.questions
        }
