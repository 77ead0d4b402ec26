"""Continuous improvement (process 4.1, 6.1, 6.2) through the pages people use:
a suggestion from proposal to implementation with votes, comments, the
managers' decisions, reward points and the author's emails; the quarterly
leaderboard; an improvement meeting with its action items and "My actions";
feedback on a stage of the process and the summary the dashboard reads.
Every refusal is checked to change nothing."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from feedback import selectors, services
from feedback.exceptions import ImprovementConflict, ImprovementForbidden, ImprovementInvalid
from feedback.models import (
    ActionItem,
    Meeting,
    PointAward,
    StageFeedback,
    Suggestion,
    SuggestionComment,
    SuggestionVote,
)
from notifications.models import OutboxMessage
from notifications.services import preference_save
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
SUGGESTIONS = reverse("feedback:suggestions")
LEADERBOARD = reverse("feedback:leaderboard")
MY_ACTIONS = reverse("feedback:my_actions")
STAGE_FEEDBACK = reverse("feedback:stage_feedback")


@pytest.fixture
def author(sales):
    """The salesperson who proposes; reads email in Chinese."""
    sales.first_name, sales.last_name, sales.email = "娜", "李", "li.na@example.com"
    sales.save()
    preference_save(user=sales, language="zh-hans")
    return sales


@pytest.fixture
def colleague(warehouse_user):
    warehouse_user.first_name, warehouse_user.last_name = "Wei", "Zhang"
    warehouse_user.save()
    return warehouse_user


@pytest.fixture
def boss(manager):
    manager.first_name, manager.last_name, manager.email = "Min", "Wang", "wang@example.com"
    manager.save()
    preference_save(user=manager, language="en")
    return manager


@pytest.fixture
def other_manager(db):
    return UserFactory(
        username="manager2", roles=["Sales Manager"], email="m2@example.com", first_name="Jun"
    )


def html(response) -> str:
    return response.content.decode()


def detail_url(suggestion) -> str:
    return reverse("feedback:suggestion_detail", args=[suggestion.pk])


def decide(client, suggestion, move, note="", **kwargs):
    return client.post(
        reverse("feedback:suggestion_decide", args=[suggestion.pk]),
        {"move": move, "note": note},
        **kwargs,
    )


def vote(client, suggestion, voted=True, **kwargs):
    return client.post(
        reverse("feedback:suggestion_vote", args=[suggestion.pk]),
        {"voted": "1" if voted else "0"},
        **kwargs,
    )


def status_of(suggestion) -> str:
    return Suggestion.objects.get(pk=suggestion.pk).status


def points_of(user) -> int:
    return sum(PointAward.objects.filter(recipient=user).values_list("points", flat=True))


def decision_emails(suggestion):
    key = f"suggestion-decided:{suggestion.pk}:"
    return OutboxMessage.objects.filter(
        event="feedback.suggestion_decided", dedupe_key__startswith=key
    ).order_by("pk")


def propose(user, **kwargs) -> Suggestion:
    fields = {
        "title": "Print pick lists in bin order",
        "stage": "fulfilment",
        "problem": "Pickers walk the aisles twice.",
        "proposal": "Sort the list by bin.",
    }
    return services.suggestion_propose(user=user, **{**fields, **kwargs})


# --- the suggestion flow, end to end ------------------------------------------------------


def test_suggestion_from_proposal_to_implementation(client, author, colleague, boss):
    # given the salesperson proposes an improvement on the page
    client.force_login(author)
    assert client.get(reverse("feedback:suggestion_create")).status_code == 200
    response = client.post(
        reverse("feedback:suggestion_create"),
        {
            "title": "Customer address check at intake",
            "stage": "intake",
            "problem": "Wrong postcodes send parcels back.",
            "proposal": "Check the postcode against the province when the order is recorded.",
        },
    )
    suggestion = Suggestion.objects.get()
    assert response.status_code == 302 and response["Location"] == detail_url(suggestion)
    assert (suggestion.author, suggestion.status) == (author, "submitted")

    # when the author tries to vote for it
    response = vote(client, suggestion, follow=True)
    # then it is refused and nothing is counted
    assert "You cannot vote for your own suggestion." in html(response)
    assert not SuggestionVote.objects.exists()

    # when a colleague votes (twice: a double click) and comments
    client.force_login(colleague)
    page = client.get(detail_url(suggestion))
    assert "Vote for this" in html(page)
    vote(client, suggestion)
    vote(client, suggestion)
    client.post(
        reverse("feedback:suggestion_comment", args=[suggestion.pk]),
        {"comment-text": "Happens to us every week."},
    )
    # then one vote and the comment are recorded
    assert SuggestionVote.objects.filter(suggestion=suggestion, voter=colleague).count() == 1
    assert SuggestionComment.objects.get().text == "Happens to us every week."
    page = html(client.get(detail_url(suggestion)))
    assert "Happens to us every week." in page and "You voted" in page

    # when the colleague (no manager) tries to move it
    response = decide(client, suggestion, "review")
    # then 403, and nothing changed
    assert response.status_code == 403
    assert status_of(suggestion) == "submitted"
    assert "Decide" not in html(client.get(detail_url(suggestion)))

    # when the manager opens it, the moves possible now are offered
    client.force_login(boss)
    page = html(client.get(detail_url(suggestion)))
    assert 'value="review"' in page and 'value="reject"' in page
    assert 'value="accept"' not in page

    # when the manager takes it under review
    decide(client, suggestion, "review")
    # then it is under review, without points or an email yet
    assert status_of(suggestion) == "under_review"
    assert not PointAward.objects.exists()
    assert not decision_emails(suggestion).exists()

    # when the manager accepts it with a note, and the form is sent twice
    response = decide(client, suggestion, "accept", note="Good idea; IT builds it in December.")
    assert response.status_code == 302
    again = decide(client, suggestion, "accept", note="Good idea", follow=True)
    # then the author has 10 points, once, and the second submit is told why
    suggestion.refresh_from_db(fields=["manager_note", "decided_by"])
    assert status_of(suggestion) == "accepted"
    assert suggestion.manager_note == "Good idea; IT builds it in December."
    assert suggestion.decided_by == boss
    award = PointAward.objects.get()
    assert (award.recipient, award.reason, award.points) == (author, "accepted", 10)
    assert "This suggestion is accepted now; reload the page" in html(again)
    # and the author is emailed once, in Chinese
    (email,) = decision_emails(suggestion)
    assert (email.recipient, email.language) == ("li.na@example.com", "zh-hans")
    assert email.subject == "您的改进建议已被采纳：Customer address check at intake"
    assert "10 积分" in email.body and "Good idea; IT builds it in December." in email.body
    assert detail_url(suggestion) in email.body

    # when voting is tried now
    client.force_login(colleague)
    vote(client, suggestion, voted=False)
    # then it is closed: the vote stays as the record
    assert SuggestionVote.objects.filter(suggestion=suggestion).count() == 1

    # when the manager marks it implemented (twice again)
    client.force_login(boss)
    decide(client, suggestion, "implement")
    decide(client, suggestion, "implement")
    # then 20 more points, once; the note given at acceptance stays
    assert status_of(suggestion) == "implemented"
    assert sorted(PointAward.objects.values_list("reason", "points")) == [
        ("accepted", 10),
        ("implemented", 20),
    ]
    assert points_of(author) == 30
    emails = list(decision_emails(suggestion))
    assert len(emails) == 2
    assert emails[1].subject == "您的改进建议已实施：Customer address check at intake"
    assert "20 积分" in emails[1].body
    # and no move is left to offer
    assert "Decide" not in html(client.get(detail_url(suggestion)))

    # and the leaderboard of this quarter shows the author's 30 points
    client.force_login(colleague)
    board = html(client.get(LEADERBOARD))
    assert re.search(
        r"李娜.*?<td class=\"num\">1</td>\s*<td class=\"num\">1</td>\s*"
        r"<td class=\"num strong\">30</td>",
        board,
        re.S,
    )


def test_reject_needs_a_note_and_tells_the_author_in_english(client, boss, other_manager):
    # given a suggestion by a manager who reads English
    suggestion = propose(boss, title="Fewer approval steps")
    client.force_login(other_manager)

    # when the other manager rejects it without a note
    response = decide(client, suggestion, "reject", note="   ")
    # then the page comes back with the note's error, and nothing changed
    assert response.status_code == 400
    assert response.context["decision_form"].errors["note"] == ["This field is required."]
    assert "Say why the suggestion is rejected." in html(response)
    assert status_of(suggestion) == "submitted"
    assert not decision_emails(suggestion).exists()

    # when with a note
    response = decide(client, suggestion, "reject", note="Approval is a legal requirement.")
    # then it is rejected with the reason, no points, and the author told in English
    assert response.status_code == 302
    suggestion = Suggestion.objects.get(pk=suggestion.pk)
    assert (suggestion.status, suggestion.manager_note) == (
        "rejected",
        "Approval is a legal requirement.",
    )
    assert suggestion.decided_by == other_manager
    assert not PointAward.objects.exists()
    (email,) = decision_emails(suggestion)
    assert (email.recipient, email.language) == ("wang@example.com", "en")
    assert email.subject == "Your suggestion was not accepted: Fewer approval steps"
    assert "The reason:\nApproval is a legal requirement." in email.body
    assert "points" not in email.body


def test_a_manager_cannot_decide_on_their_own_suggestion(client, boss, other_manager):
    # given a manager's own suggestion
    suggestion = propose(boss)
    client.force_login(boss)
    # then their page offers no move and says why
    page = html(client.get(detail_url(suggestion)))
    assert 'name="move"' not in page
    assert "another manager decides on it" in page

    # when they post a move anyway
    response = decide(client, suggestion, "review", follow=True)
    # then it is refused and nothing changed
    assert "another manager must" in html(response)
    assert status_of(suggestion) == "submitted"
    with pytest.raises(ImprovementForbidden):
        services.suggestion_decide(suggestion=suggestion, user=boss, move="review")

    # when another manager takes it through to accepted
    services.suggestion_decide(suggestion=suggestion, user=other_manager, move="review")
    services.suggestion_decide(suggestion=suggestion, user=other_manager, move="accept")
    # then the author (a manager) gets the points like anyone else
    assert points_of(boss) == 10


def test_points_are_awarded_once_per_step(author, boss, settings):
    # given an accepted suggestion, with the points setting changed later
    suggestion = propose(author)
    services.suggestion_decide(suggestion=suggestion, user=boss, move="review")
    services.suggestion_decide(suggestion=suggestion, user=boss, move="accept")
    settings.FEEDBACK_POINTS_IMPLEMENTED = 25
    # when accepting a second time (a stale copy)
    stale = Suggestion.objects.get(pk=suggestion.pk)
    with pytest.raises(ImprovementConflict):
        services.suggestion_decide(suggestion=stale, user=boss, move="accept")
    services.suggestion_decide(suggestion=suggestion, user=boss, move="implement")
    # then each step paid once, at the setting of its time
    assert dict(PointAward.objects.values_list("reason", "points")) == {
        "accepted": 10,
        "implemented": 25,
    }
    # and the database refuses a second award for a step whatever the path
    with pytest.raises(IntegrityError), transaction.atomic():
        PointAward.objects.create(
            suggestion=suggestion, reason="accepted", recipient=author, points=10
        )


def test_refusals_of_the_decision_service(author, colleague, boss):
    suggestion = propose(author)
    # an unknown move, a move the state does not allow, a user without the role
    with pytest.raises(ImprovementInvalid) as unknown:
        services.suggestion_decide(suggestion=suggestion, user=boss, move="approve")
    assert set(unknown.value.fields) == {"move"}
    with pytest.raises(ImprovementConflict):
        services.suggestion_decide(suggestion=suggestion, user=boss, move="implement")
    with pytest.raises(ImprovementForbidden):
        services.suggestion_decide(suggestion=suggestion, user=colleague, move="review")
    # and rejecting straight from submitted is allowed, with a note
    services.suggestion_decide(suggestion=suggestion, user=boss, move="reject", note="Duplicate")
    assert suggestion.status == "rejected"  # the caller's copy is refreshed


def test_a_colleague_can_take_a_vote_back(client, author, colleague):
    suggestion = propose(author)
    client.force_login(colleague)
    vote(client, suggestion)
    vote(client, suggestion, voted=False)
    assert not SuggestionVote.objects.exists()


def test_invalid_proposals_come_back_with_their_errors(client, author):
    client.force_login(author)
    response = client.post(
        reverse("feedback:suggestion_create"),
        {"title": " ", "stage": "moon", "problem": "", "proposal": "x"},
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"title", "stage", "problem"}
    assert not Suggestion.objects.exists()
    with pytest.raises(ImprovementInvalid) as refused:
        services.suggestion_propose(user=author, title="T", stage="moon", problem="", proposal="")
    assert set(refused.value.fields) == {"stage", "problem", "proposal"}


def test_suggestion_list_filters_sorts_and_counts(
    client, author, colleague, boss, django_assert_max_num_queries
):
    # given three suggestions; the oldest has the most votes
    popular = propose(author, title="Popular", stage="intake")
    middle = propose(colleague, title="Middle", stage="review")
    propose(author, title="Newest", stage="intake")
    for user in (colleague, boss):
        services.suggestion_vote(suggestion=popular, user=user)
    services.suggestion_vote(suggestion=middle, user=boss)
    services.suggestion_decide(suggestion=middle, user=boss, move="review")
    client.force_login(colleague)

    def titles(query=""):
        page = client.get(f"{SUGGESTIONS}{query}").context["page"]
        return [s.title for s in page.object_list]

    # then newest first by default, most votes first on request
    assert titles() == ["Newest", "Middle", "Popular"]
    assert titles("?sort=votes") == ["Popular", "Middle", "Newest"]
    assert titles("?stage=intake") == ["Newest", "Popular"]
    assert titles("?status=under_review") == ["Middle"]
    assert titles("?mine=on") == ["Middle"]
    # bad filters are ignored, never a 500
    assert client.get(f"{SUGGESTIONS}?status=nonsense&page=x").status_code == 200
    page = client.get(SUGGESTIONS).context["page"]
    counts = {s.title: (s.vote_count, s.voted) for s in page.object_list}
    assert counts == {"Popular": (2, True), "Middle": (1, False), "Newest": (0, False)}
    # and a long page costs a fixed number of queries
    for i in range(30):
        propose(author, title=f"Idea {i}")
    with django_assert_max_num_queries(8):
        assert client.get(f"{SUGGESTIONS}?sort=votes").status_code == 200


def test_who_may_open_the_improvement_pages(client, author, integration):
    # every member of staff sees the pages and the nav link
    client.force_login(author)
    page = html(client.get(SUGGESTIONS))
    assert f'href="{SUGGESTIONS}"' in page and "Improvement" in page
    # an integration client (a machine) does not
    client.force_login(integration)
    assert client.get(SUGGESTIONS).status_code == 403
    assert client.get(reverse("feedback:suggestion_create")).status_code == 403
    # and anonymous users go to the login page
    client.logout()
    assert client.get(SUGGESTIONS)["Location"].startswith(reverse("login"))
    # an unknown suggestion is a 404
    client.force_login(author)
    assert client.get(reverse("feedback:suggestion_detail", args=[999])).status_code == 404


# --- the leaderboard -------------------------------------------------------------------------


def _award(user, reason, points, when):
    """A point award at a given Shanghai wall-clock time."""
    suggestion = Suggestion.objects.create(
        title=f"{user.username} {reason} {when}",
        stage="other",
        problem="p",
        proposal="q",
        author=user,
    )
    award = PointAward.objects.create(
        recipient=user, suggestion=suggestion, reason=reason, points=points
    )
    PointAward.objects.filter(pk=award.pk).update(awarded_at=when.replace(tzinfo=SHANGHAI))


def test_leaderboard_sums_the_points_of_each_quarter(client, author, django_assert_num_queries):
    # given awards on both sides of the Q3/Q4 and Q4/Q1 boundaries (Shanghai time)
    alice = UserFactory(username="alice", roles=["Sales"])
    bob = UserFactory(username="bob", roles=["Warehouse"])
    carol = UserFactory(username="carol", roles=["Logistics"])
    dave = UserFactory(username="dave", roles=["After-sales"])
    dt = datetime.datetime
    _award(alice, "accepted", 10, dt(2026, 9, 30, 23, 30))  # Q3
    _award(alice, "implemented", 20, dt(2026, 10, 1, 0, 30))  # Q4 (16:30 UTC on 30 Sep)
    _award(bob, "accepted", 10, dt(2026, 8, 15, 9, 0))  # Q3
    _award(bob, "accepted", 10, dt(2026, 11, 2, 9, 0))  # Q4
    _award(bob, "implemented", 20, dt(2026, 12, 31, 23, 59))  # Q4
    _award(carol, "accepted", 20, dt(2026, 10, 10, 9, 0))  # Q4, awarded at 20 points
    _award(dave, "accepted", 10, dt(2027, 1, 1, 0, 0))  # Q1 2027, not Q4

    # when the boards are read (one aggregate query each)
    with django_assert_num_queries(1):
        q4 = selectors.leaderboard(quarter=selectors.Quarter(2026, 4))
    q3 = selectors.leaderboard(quarter=selectors.Quarter(2026, 3))

    # then, worked out by hand:
    #   Q4: bob 10 + 20 = 30; alice 20; carol 20 (ties share rank 2, the one
    #       with an implementation first)
    #   Q3: alice 10, bob 10 (tied at rank 1)
    def rows(board):
        return [(r.rank, r.username, r.points, r.accepted, r.implemented) for r in board]

    assert rows(q4) == [
        (1, "bob", 30, 1, 1),
        (2, "alice", 20, 0, 1),
        (2, "carol", 20, 1, 0),
    ]
    assert rows(q3) == [(1, "alice", 10, 1, 0), (1, "bob", 10, 1, 0)]
    assert rows(selectors.leaderboard(quarter=selectors.Quarter(2027, 1))) == [
        (1, "dave", 10, 1, 0)
    ]

    # and the page shows the quarter asked for, with links either side
    client.force_login(author)
    response = client.get(f"{LEADERBOARD}?quarter=2026Q4")
    assert [r.username for r in response.context["rows"]] == ["bob", "alice", "carol"]
    page = html(response)
    assert "Leaderboard 2026 Q4" in page and 'href="?quarter=2026Q3"' in page
    assert client.get(f"{LEADERBOARD}?quarter=2026q3").context["quarter"] == selectors.Quarter(
        2026, 3
    )
    # the default (and anything that is not a quarter) is the current one, with no "next"
    current = selectors.Quarter.current()
    for query in ("", "?quarter=garbage", "?quarter=2026Q9"):
        response = client.get(f"{LEADERBOARD}{query}")
        assert response.status_code == 200
        assert response.context["quarter"] == current and response.context["next"] is None


def test_quarters():
    q = selectors.Quarter.parse("2026Q4")
    assert (str(q), str(q.previous), str(q.next)) == ("2026Q4", "2026Q3", "2027Q1")
    assert str(selectors.Quarter(2026, 1).previous) == "2025Q4"
    assert q.first_day == datetime.date(2026, 10, 1) and q.last_day == datetime.date(2026, 12, 31)
    assert q.start == datetime.datetime(2026, 10, 1, tzinfo=SHANGHAI)
    assert selectors.Quarter.parse("2026-Q1") == selectors.Quarter(2026, 1)
    assert selectors.Quarter.parse("2026Q5") is None and selectors.Quarter.parse(None) is None


# --- meetings and action items ------------------------------------------------------------------


def test_meeting_flow_with_overdue_actions(client, author, colleague, boss, logistics, integration):
    today = timezone.localdate()
    suggestion = propose(author)
    client.force_login(boss)
    create = reverse("feedback:meeting_create")
    assert client.get(create).status_code == 200

    # when the manager records a meeting, naming a machine client as attendee
    form = {
        "title": "November improvement meeting",
        "held_on": (today - datetime.timedelta(days=10)).isoformat(),
        "attendees": [author.pk, colleague.pk, integration.pk],
        "minutes": "Pick lists; address checks.",
    }
    response = client.post(create, form)
    # then the attendee is refused by name, and nothing saved
    assert response.status_code == 400
    assert "attendees" in response.context["form"].errors
    assert not Meeting.objects.exists()

    # when with staff only
    form["attendees"] = [author.pk, colleague.pk, boss.pk]
    response = client.post(create, form)
    meeting = Meeting.objects.get()
    assert response["Location"] == reverse("feedback:meeting_detail", args=[meeting.pk])
    assert set(meeting.attendees.all()) == {author, colleague, boss}

    # when two actions are added: the author's is due yesterday, the colleague's next week
    add = reverse("feedback:action_add", args=[meeting.pk])

    def action(title, owner, due, **extra):
        return client.post(
            add,
            {
                "action-title": title,
                "action-owner": owner.pk,
                "action-due_on": due.isoformat(),
                **{f"action-{k}": v for k, v in extra.items()},
            },
        )

    late = action(
        "Draft the check rules",
        author,
        today - datetime.timedelta(days=1),
        suggestion=suggestion.pk,
    )
    assert late.status_code == 302
    action("Label the bins", colleague, today + datetime.timedelta(days=7), stage="fulfilment")
    # and one due before the meeting is refused on its date
    early = action("Too early", colleague, today - datetime.timedelta(days=30))
    assert early.status_code == 400
    assert "due_on" in early.context["action_form"].errors
    mine = ActionItem.objects.get(title="Draft the check rules")
    assert (mine.suggestion, mine.stage) == (suggestion, "fulfilment")  # the suggestion's stage
    assert ActionItem.objects.count() == 2

    # then the owner sees their overdue action first and flagged, not the colleague's
    client.force_login(author)
    response = client.get(MY_ACTIONS)
    assert [i.title for i in response.context["mine"]] == ["Draft the check rules"]
    assert response.context["mine"][0].overdue
    assert "1 day overdue" in html(response)
    assert response.context["everyone"] is None
    # the manager sees everyone's overdue actions
    client.force_login(boss)
    assert [i.title for i in client.get(MY_ACTIONS).context["everyone"]] == [
        "Draft the check rules"
    ]
    # and an unrelated user sees none of it
    client.force_login(logistics)
    response = client.get(MY_ACTIONS)
    assert response.context["mine"] == [] and response.context["everyone"] is None
    assert "Draft the check rules" not in html(response)

    # when someone else tries to close the author's action
    status_url = reverse("feedback:action_status", args=[mine.pk])
    client.force_login(colleague)
    response = client.post(status_url, {"status": "done", "next": MY_ACTIONS}, follow=True)
    assert "Only the action&#x27;s owner or a manager may change it." in html(response)
    assert ActionItem.objects.get(pk=mine.pk).status == "open"

    # when the owner marks it done
    client.force_login(author)
    response = client.post(status_url, {"status": "done", "next": MY_ACTIONS})
    assert response["Location"] == MY_ACTIONS
    mine.refresh_from_db()
    assert mine.status == "done" and mine.done_at is not None
    # then it leaves the owner's list and the managers' overdue list
    assert client.get(MY_ACTIONS).context["mine"] == []
    client.force_login(boss)
    assert client.get(MY_ACTIONS).context["everyone"] == []
    # and the meeting page shows both actions, the suggestion its action
    page = html(client.get(reverse("feedback:meeting_detail", args=[meeting.pk])))
    assert "Draft the check rules" in page and "Label the bins" in page
    assert "Draft the check rules" in html(client.get(detail_url(suggestion)))

    # reopening clears the done time
    services.action_item_set_status(item=mine, user=boss, status="in_progress")
    assert (mine.status, mine.done_at) == ("in_progress", None)


def test_an_action_moves_through_its_state_machine(client, author, boss):
    today = timezone.localdate()
    meeting = services.meeting_create(user=boss, title="M", held_on=today, attendees=[author])
    item = services.action_item_add(
        meeting=meeting, user=boss, title="Label the bins", owner=author, due_on=today
    )
    # the status is the machine's: no code sets it by hand
    with pytest.raises(AttributeError):
        item.status = ActionItem.Status.DONE
    # from each status the other two are a step away, and the menu offers all three
    for status, steps in [
        ("open", {"in_progress": "start", "done": "finish"}),
        ("done", {"in_progress": "start", "open": "reopen"}),
        ("in_progress", {"done": "finish", "open": "reopen"}),
    ]:
        services.action_item_set_status(item=item, user=author, status=status)
        assert item.status == status and (item.done_at is not None) == (status == "done")
        assert selectors.action_steps(item=item) == steps
        assert selectors.action_status_choices(item=item) == ActionItem.Status.choices
    # asking for the status it has changes nothing
    services.action_item_set_status(item=item, user=author, status="in_progress")
    assert ActionItem.objects.get(pk=item.pk).status == "in_progress"
    # and the meeting page's menu is the machine's, the current status chosen
    client.force_login(author)
    page = html(client.get(reverse("feedback:meeting_detail", args=[meeting.pk])))
    menu = page.split(f'id="status-{item.pk}"', 1)[1].split("</select>", 1)[0]
    assert re.findall(r'<option value="(\w+)"', menu) == ["open", "in_progress", "done"]
    assert '<option value="in_progress" selected>' in menu


def test_only_managers_record_meetings_and_actions(client, author, boss):
    meeting = services.meeting_create(
        user=boss, title="M", held_on=timezone.localdate(), attendees=[author]
    )
    client.force_login(author)
    assert client.get(reverse("feedback:meetings")).status_code == 200
    assert client.get(reverse("feedback:meeting_detail", args=[meeting.pk])).status_code == 200
    assert client.get(reverse("feedback:meeting_create")).status_code == 403
    assert client.get(reverse("feedback:meeting_edit", args=[meeting.pk])).status_code == 403
    response = client.post(
        reverse("feedback:action_add", args=[meeting.pk]),
        {"action-title": "x", "action-owner": author.pk, "action-due_on": "2030-01-01"},
    )
    assert response.status_code == 403
    assert not ActionItem.objects.exists()
    with pytest.raises(ImprovementForbidden):
        services.meeting_create(user=author, title="M", held_on=timezone.localdate(), attendees=[])


def test_the_manager_writes_up_the_minutes_later(client, author, boss):
    meeting = services.meeting_create(
        user=boss, title="Weekly", held_on=timezone.localdate(), attendees=[author]
    )
    client.force_login(boss)
    url = reverse("feedback:meeting_edit", args=[meeting.pk])
    assert client.get(url).context["form"].initial["attendees"] == [author.pk]
    response = client.post(
        url,
        {
            "title": "Weekly",
            "held_on": meeting.held_on.isoformat(),
            "attendees": [author.pk, boss.pk],
            "minutes": "Agreed: bins labelled by Friday.",
        },
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.minutes == "Agreed: bins labelled by Friday."
    assert meeting.attendees.count() == 2


# --- stage feedback (process 4.1) -----------------------------------------------------------------


@pytest.mark.parametrize(
    "data, fields",
    [
        ({"fb-stage": "intake", "fb-rating": "0"}, {"rating"}),
        ({"fb-stage": "intake", "fb-rating": "6"}, {"rating"}),
        ({"fb-stage": "intake", "fb-rating": "good"}, {"rating"}),
        ({"fb-stage": "", "fb-rating": "3"}, {"stage"}),
        ({"fb-stage": "moon"}, {"stage", "rating"}),
    ],
)
def test_stage_feedback_is_refused_with_its_errors_named(client, author, data, fields):
    client.force_login(author)
    response = client.post(STAGE_FEEDBACK, data)
    assert response.status_code == 400
    assert set(response.context["form"].errors) == fields
    assert not StageFeedback.objects.exists()


def test_stage_feedback_is_given_and_listed(client, author, colleague, boss):
    # when staff rate stages on the page
    client.force_login(author)
    assert client.get(STAGE_FEEDBACK).status_code == 200
    response = client.post(
        STAGE_FEEDBACK,
        {"fb-stage": "review", "fb-rating": "2", "fb-comment": "Approvals wait overnight."},
    )
    assert response.status_code == 302
    client.force_login(colleague)
    client.post(STAGE_FEEDBACK, {"fb-stage": "fulfilment", "fb-rating": "4"})
    # then each is stored
    assert sorted(StageFeedback.objects.values_list("stage", "rating", "author__username")) == [
        ("fulfilment", 4, "warehouse"),
        ("review", 2, "sales"),
    ]
    # and staff see their own feedback, managers everyone's
    assert [f.stage for f in client.get(STAGE_FEEDBACK).context["page"]] == ["fulfilment"]
    client.force_login(boss)
    page = client.get(STAGE_FEEDBACK).context["page"]
    assert {f.stage for f in page} == {"review", "fulfilment"}
    filtered = client.get(f"{STAGE_FEEDBACK}?stage=review").context["page"]
    assert [f.comment for f in filtered] == ["Approvals wait overnight."]
    # the service names its errors too
    with pytest.raises(ImprovementInvalid) as refused:
        services.stage_feedback_submit(user=boss, stage="intake", rating=9)
    assert set(refused.value.fields) == {"rating"}


def test_stage_feedback_summary(author, colleague, django_assert_num_queries):
    # given four ratings of intake and one of review, at known times
    start = datetime.datetime(2026, 11, 1, 9, tzinfo=SHANGHAI)
    for hours, (stage, rating, user) in enumerate(
        [
            ("intake", 5, author),
            ("intake", 4, colleague),
            ("review", 1, author),
            ("intake", 3, author),
            ("intake", 2, colleague),
        ]
    ):
        item = services.stage_feedback_submit(
            user=user, stage=stage, rating=rating, comment=f"{stage} {rating}"
        )
        StageFeedback.objects.filter(pk=item.pk).update(
            created_at=start + datetime.timedelta(hours=hours)
        )

    # when summarised (two queries whatever the number of stages)
    with django_assert_num_queries(2):
        summary = selectors.stage_feedback_summary()
        latest_authors = [f.author.username for f in summary["intake"]["latest"]]

    # then every stage is there; averages and counts by hand; the latest three, newest first
    assert list(summary) == [
        "intake",
        "review",
        "fulfilment",
        "handover",
        "transit",
        "after_sales",
        "archive",
        "other",
    ]
    assert summary["intake"]["avg_rating"] == 3.5 and summary["intake"]["count"] == 4
    assert [f.rating for f in summary["intake"]["latest"]] == [2, 3, 4]
    assert latest_authors == ["warehouse", "sales", "warehouse"]
    assert summary["review"] == {
        "avg_rating": 1.0,
        "count": 1,
        "latest": [StageFeedback.objects.get(stage="review")],
    }
    assert summary["transit"] == {"avg_rating": None, "count": 0, "latest": []}
    # and a period counts only the feedback given in it
    since = start + datetime.timedelta(hours=2)
    later = selectors.stage_feedback_summary(since=since)
    assert (later["intake"]["avg_rating"], later["intake"]["count"]) == (2.5, 2)
    earlier = selectors.stage_feedback_summary(until=since)
    assert (earlier["intake"]["avg_rating"], earlier["intake"]["count"]) == (4.5, 2)
    assert earlier["review"]["count"] == 0


# --- the admin ------------------------------------------------------------------------------------


def test_managers_look_things_up_and_decide_in_the_admin(client, author, boss, other_manager):
    # given a suggestion with a comment, a meeting with an action, and feedback
    suggestion = propose(author)
    services.suggestion_comment_add(suggestion=suggestion, user=boss, text="Good")
    meeting = services.meeting_create(
        user=boss, title="Weekly", held_on=timezone.localdate(), attendees=[author]
    )
    services.action_item_add(
        meeting=meeting, user=boss, title="Do it", owner=author, due_on=timezone.localdate()
    )
    services.stage_feedback_submit(user=author, stage="intake", rating=3)
    client.force_login(boss)
    # then every list and record opens, read-only
    for model in ["suggestion", "pointaward", "meeting", "actionitem", "stagefeedback"]:
        assert client.get(reverse(f"admin:feedback_{model}_changelist")).status_code == 200
    page = client.get(reverse("admin:feedback_suggestion_change", args=[suggestion.pk]))
    assert page.status_code == 200 and "Good" in html(page)
    page = client.get(reverse("admin:feedback_meeting_change", args=[meeting.pk]))
    assert page.status_code == 200 and "Do it" in html(page)
    assert (
        client.get(reverse("admin:feedback_actionitem_changelist") + "?overdue=yes").status_code
        == 200
    )

    # when the manager accepts it from the list: first refused (not under review), then taken
    changelist = reverse("admin:feedback_suggestion_changelist")
    form = {"action": "accept", "_selected_action": [suggestion.pk]}
    response = client.post(changelist, form, follow=True)
    assert "is submitted now" in html(response)
    assert status_of(suggestion) == "submitted"
    client.post(changelist, {**form, "action": "review"})
    client.post(changelist, form)
    # then the same service ran: accepted, points awarded once
    assert status_of(suggestion) == "accepted" and points_of(author) == 10
    # and the author's own manager may not decide on their own from the admin either
    own = propose(boss)
    client.post(changelist, {"action": "review", "_selected_action": [own.pk]})
    assert status_of(own) == "submitted"


def test_each_decision_keeps_its_own_note(client, author, boss):
    # given a suggestion taken up with a note, then accepted with another
    suggestion = propose(author)
    services.suggestion_decide(
        suggestion=suggestion, user=boss, move="review", note="Checking with the warehouse."
    )
    services.suggestion_decide(
        suggestion=suggestion, user=boss, move="accept", note="Warehouse agrees; do it in May."
    )
    # then both notes are kept, each with its move, and the page shows both
    decisions = list(suggestion.decisions.values_list("from_status", "to_status", "note"))
    assert decisions == [
        ("submitted", "under_review", "Checking with the warehouse."),
        ("under_review", "accepted", "Warehouse agrees; do it in May."),
    ]
    client.force_login(author)
    page = html(client.get(detail_url(suggestion)))
    assert "Checking with the warehouse." in page
    assert "Warehouse agrees; do it in May." in page
