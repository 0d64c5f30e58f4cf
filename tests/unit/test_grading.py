"""Grading over plain data: each question kind, partial credit, per-objective results."""

from decimal import Decimal

from quizzes.grading import ChoiceSpec, QuestionSpec, grade, question_points


def _question(qid, kind, correct, wrong, objective=1, position=1):
    choices = [ChoiceSpec(cid, f"c{cid}", True) for cid in correct] + [
        ChoiceSpec(cid, f"c{cid}", False) for cid in wrong
    ]
    return QuestionSpec(
        id=qid,
        text=f"q{qid}",
        kind=kind,
        objective_id=objective,
        objective_text=f"Objective {objective}",
        objective_position=position,
        choices=tuple(choices),
    )


SINGLE = _question(1, "single", [11], [12, 13])
TRUE_FALSE = _question(2, "true_false", [21], [22])
MULTIPLE = _question(3, "multiple", [31, 32, 33], [34], objective=2, position=2)


def test_single_choice_is_right_only_with_the_right_choice():
    assert question_points(SINGLE, {11}) == 1
    assert question_points(SINGLE, {12}) == 0
    assert question_points(SINGLE, {11, 12}) == 0


def test_true_false_is_right_only_with_the_right_choice():
    assert question_points(TRUE_FALSE, {21}) == 1
    assert question_points(TRUE_FALSE, {22}) == 0


def test_multiple_select_gives_partial_credit_and_wrong_picks_cost():
    assert question_points(MULTIPLE, {31, 32, 33}) == 1
    assert question_points(MULTIPLE, {31, 32}) == 2 / 3
    assert question_points(MULTIPLE, {31, 32, 34}) == 1 / 3
    assert question_points(MULTIPLE, {31, 34}) == 0
    assert question_points(MULTIPLE, {34}) == 0


def test_score_is_the_share_of_points_and_pass_mark_decides():
    result = grade([SINGLE, TRUE_FALSE, MULTIPLE], {1: {11}, 2: {21}, 3: {31, 32}}, pass_mark=80)
    assert result.score_percent == Decimal("88.89")
    assert result.passed
    assert result.correct_count == 2
    failing = grade([SINGLE, TRUE_FALSE, MULTIPLE], {1: {12}, 2: {21}, 3: {31}}, pass_mark=80)
    assert failing.score_percent == Decimal("44.44")
    assert not failing.passed


def test_breakdown_counts_fully_right_questions_per_objective_in_objective_order():
    result = grade(
        [MULTIPLE, SINGLE, TRUE_FALSE], {1: {11}, 2: {22}, 3: {31, 32, 33}}, pass_mark=80
    )
    assert [(o.text, o.correct, o.total) for o in result.objectives] == [
        ("Objective 1", 1, 2),
        ("Objective 2", 1, 1),
    ]


def test_choices_from_another_question_are_ignored():
    result = grade([SINGLE], {1: {11, 31}}, pass_mark=80)
    assert result.questions[0].chosen == [11]
    assert result.passed


def test_result_keeps_what_the_learner_saw_and_chose_as_json():
    data = grade([SINGLE], {1: {12}}, pass_mark=80).as_json()
    assert data["score_percent"] == "0.00"
    question = data["questions"][0]
    assert question["chosen"] == [12]
    assert [c["id"] for c in question["choices"]] == [11, 12, 13]
    assert question["choices"][0]["is_correct"] is True
