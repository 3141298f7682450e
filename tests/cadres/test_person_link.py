"""One person, one record (issue 11): a 村干部, 村民组长 or 后备干部 who is a Party member is linked
to that member's record by ID number, not kept as a second, unlinked person."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from branches.models import SecretaryTerm
from cadres import services
from cadres.models import GroupLeader, ReserveCadre, VillageCadre
from chengjiang.access import SYSTEM
from tests.cadres.factories import (
    ElectionRoundFactory,
    VillageCadreFactory,
    VillageGroupFactory,
    candidate,
    examine,
    qualify,
    recommend,
)
from tests.factories import MemberFactory, valid_id_number

D = datetime.date
pytestmark = pytest.mark.django_db


def test_link_person_finds_the_member_by_id_number():
    member = MemberFactory()
    cadre = VillageCadreFactory(id_number=member.id_number, member=None)
    assert services.link_person(person=cadre, by=SYSTEM) == member
    cadre.refresh_from_db()
    assert cadre.member == member


def test_link_person_leaves_a_non_member_unlinked():
    cadre = VillageCadreFactory(id_number=valid_id_number())
    assert services.link_person(person=cadre, by=SYSTEM) is None
    cadre.refresh_from_db()
    assert cadre.member is None


def test_a_village_cadre_saved_is_linked_to_the_member_with_that_id():
    member = MemberFactory()
    cadre = services.village_cadre_save(
        cadre=VillageCadre(
            village=member.branch.village or VillageCadreFactory().village,
            name=member.name,
            gender="M",
            id_number=member.id_number,
            post=VillageCadre.Post.DIRECTOR,
            term_start=D(2021, 10, 8),
        ),
        by=SYSTEM,
    )
    assert cadre.member == member


def test_an_elected_leader_who_is_a_member_is_linked():
    member = MemberFactory()
    group = VillageGroupFactory()
    rnd = ElectionRoundFactory(villages=[group.village])
    c = services.candidate_register(
        round=rnd,
        group=group,
        name=member.name,
        gender="M",
        id_number=member.id_number,
        by=SYSTEM,
    )
    examine(recommend(qualify(c)))
    services.group_meeting_record(
        round=rnd,
        group=group,
        held_on=D(2024, 4, 20),
        basis="adults",
        expected=30,
        present=25,
        votes={c: 20},
        by=SYSTEM,
    )
    assert GroupLeader.objects.get(candidate=c).member == member
    # a candidate who is no member gets no link
    other = candidate(rnd, VillageGroupFactory(village=group.village))
    assert other.id_number != member.id_number


def test_a_reserve_cadre_who_is_a_member_is_linked():
    member = MemberFactory()
    village = VillageGroupFactory().village
    cadre = services.reserve_cadre_add(
        village=village,
        name=member.name,
        gender="M",
        id_number=member.id_number,
        education="bachelor",
        recruited_on=D(2024, 11, 28),
        by=SYSTEM,
    )
    assert cadre.member == member


def test_a_link_to_another_persons_member_record_is_refused():
    cadre = VillageCadreFactory(id_number=valid_id_number())
    cadre.member = MemberFactory()
    with pytest.raises(ValidationError, match=str(services.MSG_MEMBER_ID_MISMATCH)):
        services.village_cadre_save(cadre=cadre, by=SYSTEM)


def test_one_member_is_one_reserve_cadre():
    member = MemberFactory()
    village = VillageGroupFactory().village
    kw = {
        "village": village,
        "name": member.name,
        "gender": "M",
        "id_number": member.id_number,
        "education": "bachelor",
        "recruited_on": D(2024, 11, 28),
    }
    services.reserve_cadre_add(**kw, by=SYSTEM)
    with pytest.raises(ValidationError, match="已关联"):
        services.reserve_cadre_add(**kw, by=SYSTEM)
    assert ReserveCadre.objects.filter(member=member).count() == 1


def test_link_people_links_every_unlinked_person_of_a_village():
    member = MemberFactory()
    cadre = VillageCadreFactory(id_number=member.id_number, member=None)
    VillageCadre.objects.filter(pk=cadre.pk).update(member=None)
    assert services.link_people(village=cadre.village, by=SYSTEM) == 1
    cadre.refresh_from_db()
    assert cadre.member == member


@pytest.mark.usefixtures("demo_db")
def test_the_demo_links_each_village_secretary_to_the_serving_party_secretary():
    for cadre in VillageCadre.objects.filter(post=VillageCadre.Post.SECRETARY):
        serving = SecretaryTerm.objects.filter(
            organization__village=cadre.village,
            organization__kind__in=["party_committee", "general_branch"],
            post="secretary",
            ended_on__isnull=True,
        ).get()
        assert cadre.member == serving.member
        assert cadre.id_number == serving.member.id_number


@pytest.mark.usefixtures("demo_db")
def test_pages_show_one_person_with_the_party_membership_and_the_ballots(client):
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from cadres.models import GroupMeeting

    office = get_user_model().objects.get(username="office")
    client.force_login(office, backend="django.contrib.auth.backends.ModelBackend")
    linked = GroupLeader.objects.serving().filter(member__isnull=False).first()
    if linked is None:  # the demo's leaders are no members: link one, as the service would
        linked = GroupLeader.objects.serving().first()
        member = MemberFactory(id_number=linked.id_number, birth_date=linked.birth_date)
        services.link_person(person=linked, by=SYSTEM)
        assert linked.member == member
    html = client.get(reverse("cadres:leader_list")).content.decode()
    assert f"中共党员，{linked.member.branch}" in html
    tie = GroupMeeting.objects.get(outcome=GroupMeeting.Outcome.ANOTHER_BALLOT)
    page = client.get(reverse("cadres:group_detail", args=[tie.group_id])).content.decode()
    assert "另行选举" in page and "村民小组会议" in page and "村民委员会任期" in page
    secretary = VillageCadre.objects.filter(post=VillageCadre.Post.SECRETARY).first()
    pairing = secretary.pairings.first()
    if pairing is not None:
        detail = client.get(reverse("cadres:pairing_detail", args=[pairing.pk])).content.decode()
        assert f"中共党员，{secretary.member.branch}" in detail


def test_a_member_outside_the_users_scope_is_not_linked(tree, users):
    """A village secretary's record finds no member of another village (not found, not linked)."""
    other_village_member = tree.b_members[0]
    cadre = services.village_cadre_save(
        cadre=VillageCadre(
            village=tree.va,
            name="外村同号",
            gender=other_village_member.gender,
            id_number=other_village_member.id_number,
            post=VillageCadre.Post.COMMITTEE_MEMBER,
            term_start=D(2021, 10, 8),
        ),
        by=users.sec_a,
    )
    assert cadre.member is None
    assert services.link_person(person=cadre, by=SYSTEM) == other_village_member
