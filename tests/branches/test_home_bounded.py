"""The office's home stays the same size whatever the tree (issue 12): bounded lists with totals."""

import datetime

from django.urls import reverse
from django.utils import timezone

from branches import selectors
from branches.models import Organization
from tests.factories import MemberFactory, OrganizationFactory


def test_size_warnings_are_bounded_and_counted(tree, users, login):
    for n in range(25):  # 25 one-member branches: each under the 3 full members a branch needs
        branch = OrganizationFactory(
            name=f"小支部{n:02d}",
            kind=Organization.Kind.BRANCH,
            parent=tree.b,
            village=tree.vb,
            established_on=datetime.date(2010, 1, 1),
        )
        MemberFactory(branch=branch)
    page = login(users.office).get(reverse("branches:home")).content.decode()
    section = page[
        page.index('id="size-title"') : page.index("</section>", page.index('id="size-title"'))
    ]
    assert section.count('class="list-group-item"') == 20
    total = len(selectors.size_warnings(scope=tree.root.path, on=timezone.localdate()))
    assert total >= 25
    assert f"共{total}条提醒" in section
