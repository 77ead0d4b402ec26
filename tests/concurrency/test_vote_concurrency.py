"""Suggestions under concurrency on real PostgreSQL, each thread on its own
connection: one person's simultaneous votes count once (the unique
constraint decides, not a read before the insert), and simultaneous
acceptances of one suggestion award its points once (the row lock)."""

from collections import Counter

import pytest

from feedback import services
from feedback.models import PointAward, Suggestion, SuggestionVote
from tests.concurrency.test_order_concurrency import outcome, run_in_threads
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _suggestion(author) -> Suggestion:
    return services.suggestion_propose(
        user=author,
        title="Print pick lists in bin order",
        stage="fulfilment",
        problem="Pickers walk the aisles twice.",
        proposal="Sort the list by bin.",
    )


def test_ten_votes_by_the_same_person_at_once_count_once(sales, warehouse_user):
    # given a colleague's suggestion
    suggestion = _suggestion(sales)
    # when the same person's vote arrives ten times at the same instant
    results = run_in_threads(
        lambda: services.suggestion_vote(suggestion=suggestion, user=warehouse_user, voted=True),
        [() for _ in range(10)],
    )
    # then every request succeeds and exactly one vote is stored
    assert results == [True] * 10, results
    assert SuggestionVote.objects.filter(suggestion=suggestion).count() == 1


def test_ten_acceptances_at_once_award_the_points_once(sales):
    # given a suggestion under review and ten managers' requests accepting it at once
    reviewer = UserFactory(username="reviewer", roles=["Sales Manager"])
    suggestion = _suggestion(sales)
    services.suggestion_decide(suggestion=suggestion, user=reviewer, move="review")
    results = run_in_threads(
        lambda: services.suggestion_decide(
            suggestion=Suggestion.objects.get(pk=suggestion.pk), user=reviewer, move="accept"
        ),
        [() for _ in range(10)],
    )
    # then one acceptance went through, the nine others found it made
    assert Counter(outcome(r) for r in results) == {"ok": 1, "ImprovementConflict": 9}
    assert list(PointAward.objects.values_list("recipient_id", "reason", "points")) == [
        (sales.pk, "accepted", 10)
    ]
