"""At most one serving leader per group: a database constraint, not only a form check."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, close_old_connections, connection, transaction

from cadres import services
from cadres.models import GroupLeader
from chengjiang.access import SYSTEM
from tests.cadres.factories import VillageGroupFactory
from tests.factories import valid_id_number

D = datetime.date


def _leader(group, started_on, **kw):
    return GroupLeader(
        group=group,
        name=kw.pop("name", "组长"),
        gender="M",
        id_number=valid_id_number(),
        started_on=started_on,
        term_end=D(2029, 4, 30),
        **kw,
    )


@pytest.mark.django_db
def test_database_refuses_a_second_serving_leader():
    group = VillageGroupFactory()
    _leader(group, D(2024, 5, 1)).save()
    with pytest.raises(IntegrityError), transaction.atomic():
        _leader(group, D(2024, 6, 1)).save()  # bypassing every check but the database's


@pytest.mark.django_db
def test_model_validation_names_the_rule():
    group = VillageGroupFactory()
    _leader(group, D(2024, 5, 1)).save()
    with pytest.raises(ValidationError) as exc:
        _leader(group, D(2024, 6, 1)).full_clean()
    assert "已有在任组长" in str(exc.value) or "serving leader" in str(exc.value)


@pytest.mark.django_db
def test_past_leaders_stay_and_a_new_one_ends_the_serving_term():
    group = VillageGroupFactory()
    old = services.leader_take_office(
        group=group,
        name="老组长",
        gender="M",
        id_number=valid_id_number(),
        started_on=D(2019, 5, 1),
        term_end=D(2024, 4, 30),
        by=SYSTEM,
    )
    new = services.leader_take_office(
        group=group,
        name="新组长",
        gender="F",
        id_number=valid_id_number(),
        started_on=D(2024, 5, 1),
        term_end=D(2029, 4, 30),
        by=SYSTEM,
    )
    old.refresh_from_db()
    assert old.ended_on == D(2024, 4, 30)
    assert list(GroupLeader.objects.serving().filter(group=group)) == [new]
    assert GroupLeader.objects.filter(group=group).count() == 2


@pytest.mark.django_db
def test_a_leader_cannot_take_office_before_the_serving_one_started():
    group = VillageGroupFactory()
    services.leader_take_office(
        group=group,
        name="组长",
        gender="M",
        id_number=valid_id_number(),
        started_on=D(2024, 5, 1),
        term_end=D(2029, 4, 30),
        by=SYSTEM,
    )
    with pytest.raises(ValidationError) as exc:
        services.leader_take_office(
            group=group,
            name="组长二",
            gender="M",
            id_number=valid_id_number(),
            started_on=D(2024, 5, 1),
            term_end=D(2029, 4, 30),
            by=SYSTEM,
        )
    assert str(services.MSG_LEADER_OVERLAP) in exc.value.messages


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_second_serving_leader_is_refused_on_postgres():
    """Two connections insert a serving leader for one group at once: exactly one wins."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks and concurrent transactions)")
    group = VillageGroupFactory()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def insert(name):
        try:
            with transaction.atomic():
                leader = _leader(group, D(2024, 5, 1), name=name)
                barrier.wait(timeout=10)
                leader.save()  # raw insert, no service lock: only the index stands in the way
            outcomes.append("saved")
        except IntegrityError:
            outcomes.append("refused")
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=insert, args=(n,)) for n in ("甲", "乙")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["refused", "saved"]
    assert GroupLeader.objects.serving().filter(group=group).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_service_calls_queue_on_postgres():
    """Two clerks appoint a leader to one group at once through the service: one ends first."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks and concurrent transactions)")
    group = VillageGroupFactory()
    barrier = threading.Barrier(2)
    errors: list[Exception] = []

    def appoint(name, day):
        try:
            barrier.wait(timeout=10)
            services.leader_take_office(
                group=group,
                name=name,
                gender="M",
                id_number=valid_id_number(),
                started_on=day,
                term_end=D(2029, 4, 30),
                by=SYSTEM,
            )
        except (ValidationError, IntegrityError) as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=appoint, args=("甲", D(2024, 5, 1))),
        threading.Thread(target=appoint, args=("乙", D(2024, 6, 1))),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert GroupLeader.objects.serving().filter(group=group).count() == 1
    assert GroupLeader.objects.filter(group=group).count() + len(errors) == 2
