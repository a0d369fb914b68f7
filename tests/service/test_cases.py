"""The case life cycle through the services: numbers, status flow, routing, notes, links, merges, surveys."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from guanxi.core.models import AuditEntry
from guanxi.customers.models import Interaction, TimelineEvent
from guanxi.service import services
from guanxi.service.models import Case, CaseLink, CaseNote


def test_numbers_are_readable_unique_and_counted_per_year(org, desk, cases):
    assert re.fullmatch(r"CS-\d{4}-\d{6}", cases.mine.number)
    year = cases.mine.number[3:7]
    assert cases.mine.number == f"CS-{year}-000001"
    assert cases.theirs.number == f"CS-{year}-000002"
    assert services.next_case_number() == f"CS-{year}-000003"


def test_a_case_in_a_queue_is_routed_and_opened(org, desk, cases):
    assert cases.mine.assignee in (desk.agent, desk.agent2)
    assert cases.mine.status == "open"
    assert cases.theirs.assignee is None and cases.theirs.status == "new"
    assert TimelineEvent.objects.filter(account=org.rep_account, kind="case.opened").exists()
    assert AuditEntry.objects.filter(object_id=str(cases.mine.pk), action="create").exists()


def test_round_robin_takes_turns(org, desk):
    got = [services.case_create(acting_user=org.admin, account=org.rep_account, subject=f"问题{n}", queue=desk.queue).assignee
           for n in range(4)]
    assert got[0] != got[1] and got[0] == got[2] and got[1] == got[3]


def test_least_loaded_takes_the_agent_with_fewest_open_cases(org, desk):
    services.queue_update(queue=desk.queue, acting_user=org.admin, routing="least_loaded")
    for n in range(2):
        services.case_create(acting_user=org.admin, account=org.rep_account, subject=f"给agent {n}", assignee=desk.agent)
    case = services.case_create(acting_user=org.admin, account=org.rep_account, subject="新问题", queue=desk.queue)
    assert case.assignee == desk.agent2


def test_routing_prefers_the_skill_and_respects_availability_and_capacity(org, desk):
    services.agent_profile_update(user=desk.agent2, acting_user=org.admin, skills=["Network"])
    for _ in range(3):
        case = services.case_create(acting_user=org.admin, account=org.rep_account, subject="断网", queue=desk.queue, category=desk.network)
        assert case.assignee == desk.agent2
    services.agent_profile_update(user=desk.agent2, acting_user=org.admin, available=False)
    case = services.case_create(acting_user=org.admin, account=org.rep_account, subject="断网", queue=desk.queue, category=desk.network)
    assert case.assignee == desk.agent
    services.agent_profile_update(user=desk.agent, acting_user=org.admin, capacity=1)
    case = services.case_create(acting_user=org.admin, account=org.rep_account, subject="没人接", queue=desk.queue)
    assert case.assignee is None and case.status == "new"


def test_manual_queue_leaves_cases_for_agents_to_take(org, desk):
    services.queue_update(queue=desk.queue, acting_user=org.admin, routing="manual")
    case = services.case_create(acting_user=org.admin, account=org.rep_account, subject="等待认领", queue=desk.queue)
    assert case.assignee is None


def test_status_flow_and_reopen(org, desk, cases):
    case = cases.mine
    services.case_set_status(case=case, acting_user=desk.agent, status="pending")
    services.case_set_status(case=case, acting_user=desk.agent, status="open")
    services.case_set_status(case=case, acting_user=desk.agent, status="resolved")
    assert case.resolved_at is not None
    services.case_set_status(case=case, acting_user=desk.agent, status="closed")
    assert case.closed_at is not None
    services.case_set_status(case=case, acting_user=desk.agent, status="open")
    case.refresh_from_db()
    assert case.status == "open" and case.reopen_count == 1 and case.resolved_at is None and case.closed_at is None
    assert TimelineEvent.objects.filter(kind="case.reopened", account=org.rep_account).exists()


@pytest.mark.parametrize(("start", "to"), [("new", "new-ish"), ("closed", "pending"), ("resolved", "pending")])
def test_a_wrong_status_move_names_the_field(org, desk, cases, start, to):
    case = cases.theirs
    if start != "new":
        services.case_set_status(case=case, acting_user=org.admin, status="resolved")
        if start == "closed":
            services.case_set_status(case=case, acting_user=org.admin, status="closed")
    with pytest.raises(ValidationError) as error:
        services.case_set_status(case=case, acting_user=org.admin, status=to)
    assert "status" in error.value.message_dict


def test_closing_with_a_rating_records_an_interaction(org, desk, cases):
    case = cases.mine
    services.case_set_status(case=case, acting_user=desk.agent, status="closed", satisfaction=4, comment="很及时")
    case.refresh_from_db()
    assert case.satisfaction == 4 and case.satisfaction_comment == "很及时"
    interaction = Interaction.objects.get(pk=case.survey_interaction_id)
    assert interaction.account == org.rep_account and interaction.contact == org.rep_contact
    assert interaction.satisfaction == 4 and interaction.notes == "很及时" and case.number in interaction.reason


@pytest.mark.parametrize("score", [0, 6, "x", None])
def test_a_rating_outside_one_to_five_names_the_field(org, desk, cases, score):
    services.case_set_status(case=cases.mine, acting_user=desk.agent, status="resolved")
    with pytest.raises(ValidationError) as error:
        services.case_record_satisfaction(case=cases.mine, acting_user=desk.agent, satisfaction=score)
    assert "satisfaction" in error.value.message_dict
    assert not Interaction.objects.filter(reason__contains=cases.mine.number).exists()


def test_an_open_case_cannot_be_rated(org, desk, cases):
    with pytest.raises(ValidationError) as error:
        services.case_record_satisfaction(case=cases.mine, acting_user=desk.agent, satisfaction=5)
    assert "satisfaction" in error.value.message_dict


def test_bad_input_names_the_field(org, desk):
    with pytest.raises(ValidationError) as error:
        services.case_create(acting_user=org.admin, subject="无客户")
    assert "account" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.case_create(acting_user=org.admin, account=org.rep_account, contact=org.other_contact, subject="错联系人")
    assert "contact" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.case_create(acting_user=org.admin, account=org.rep_account, subject="  ")
    assert "subject" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.case_create(acting_user=org.admin, account=org.rep_account, subject="x", priority="whenever")
    assert "priority" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.case_create(acting_user=org.admin, account=org.rep_account, subject="x", number="CS-1")
    assert "number" in error.value.message_dict
    assert not Case.objects.exists()


def test_public_reply_is_the_first_response_and_internal_notes_are_not(org, desk, cases):
    case = cases.mine
    services.case_note_add(case=case, acting_user=desk.agent, body="内部：查日志")
    case.refresh_from_db()
    assert case.first_responded_at is None
    note = services.case_note_add(case=case, acting_user=desk.agent, body="您好，已在处理", is_public=True,
                                  files=[SimpleUploadedFile("log.txt", b"trace", "text/plain")])
    case.refresh_from_db()
    assert case.first_responded_at == note.created_at
    assert note.attachments.get().filename == "log.txt" and note.attachments.get().is_public
    with pytest.raises(ValidationError) as error:
        services.case_note_add(case=case, acting_user=desk.agent, body=" ")
    assert "body" in error.value.message_dict


def test_a_customer_reply_reopens_a_pending_case(org, desk, cases):
    services.case_set_status(case=cases.mine, acting_user=desk.agent, status="pending")
    services.case_note_add(case=cases.mine, acting_user=None, body="客户回信：已重启", from_customer=True)
    cases.mine.refresh_from_db()
    assert cases.mine.status == "open"


def test_oversize_attachment_is_refused_naming_the_field(org, desk, cases, settings):
    settings.GUANXI_MAX_ATTACHMENT_BYTES = 1024 * 1024
    with pytest.raises(ValidationError) as error:
        services.case_attachment_add(case=cases.mine, acting_user=desk.agent, file=SimpleUploadedFile("big.bin", b"x" * (1024 * 1024 + 1)))
    assert "file" in error.value.message_dict


def test_reassignment_and_queue_change(org, desk, cases):
    services.case_assign(case=cases.mine, acting_user=desk.supervisor, assignee=desk.supervisor)
    assert cases.mine.assignee == desk.supervisor
    other_queue = services.queue_create(acting_user=org.admin, name="投诉", code="complaints", routing="least_loaded", members=[desk.outsider])
    services.case_assign(case=cases.mine, acting_user=desk.supervisor, queue=other_queue, route=True)
    cases.mine.refresh_from_db()
    assert cases.mine.queue == other_queue and cases.mine.assignee == desk.outsider


def test_links_both_ways_once(org, desk, cases):
    services.case_link(case=cases.mine, other=cases.theirs, acting_user=org.admin, kind="related")
    with pytest.raises(ValidationError) as error:
        services.case_link(case=cases.theirs, other=cases.mine, acting_user=org.admin)
    assert "other" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.case_link(case=cases.mine, other=cases.mine, acting_user=org.admin)
    assert "other" in error.value.message_dict


def test_merge_moves_notes_and_closes_the_source(org, desk, cases):
    source = cases.mine
    target = services.case_create(acting_user=org.admin, account=org.rep_account, subject="同一问题")
    services.case_note_add(case=source, acting_user=desk.agent, body="第一条")
    third = services.case_create(acting_user=org.admin, account=org.rep_account, subject="相关")
    services.case_link(case=source, other=third, acting_user=org.admin)
    services.case_merge(source=source, target=target, acting_user=desk.agent)
    source.refresh_from_db()
    assert source.status == "closed" and source.merged_into == target
    assert CaseNote.objects.filter(case=target, body="第一条").exists()
    assert CaseLink.objects.filter(case=target, other=third).exists()
    with pytest.raises(ValidationError) as error:
        services.case_set_status(case=source, acting_user=desk.agent, status="open")
    assert "status" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.case_merge(source=target, target=cases.theirs, acting_user=desk.agent)
    assert "target" in error.value.message_dict


def test_search_finds_cases_by_number_and_words(org, desk, cases):
    from guanxi.service.selectors import case_search

    assert case_search(user=org.admin, query=cases.mine.number) == [cases.mine]
    assert case_search(user=org.admin, query=str(int(cases.theirs.number[-6:]))) == [cases.theirs]
    assert case_search(user=org.admin, query="打印机") == [cases.mine]
    assert case_search(user=org.admin, query="北方重工") == [cases.theirs]
    assert case_search(user=desk.outsider, query="打印机") == []


def test_search_finds_cases_by_the_accounts_name_as_it_is_now(org, desk, cases, monkeypatch):
    from guanxi.customers import services as customer_services
    from guanxi.service import selectors
    from guanxi.service.selectors import case_search

    assert "张三科技" not in Case.objects.get(pk=cases.mine.pk).search_text  # asked on the account, not kept per case
    assert case_search(user=org.admin, query="张三科技") == [cases.mine]
    assert case_search(user=org.admin, query="zhangsankeji") == [cases.mine]  # the account's pinyin
    assert case_search(user=desk.outsider, query="张三科技") == []
    customer_services.account_update(account=org.rep_account, acting_user=org.rep, name="华东智造有限公司")
    assert case_search(user=org.admin, query="华东智造") == [cases.mine]
    assert case_search(user=org.admin, query="张三科技") == []
    # a word more accounts share than the search lists by id: their cases all the same, through a subquery
    monkeypatch.setattr(selectors, "NAME_MATCHES", 1)
    customer_services.account_update(account=org.other_account, acting_user=org.other, name="华东智造贸易公司")
    assert set(case_search(user=org.admin, query="华东智造")) == {cases.mine, cases.theirs}
    assert case_search(user=desk.agent, query="华东智造") == [cases.mine]


def test_search_finds_cases_by_the_customers_phone_and_stays_within_visibility(org, desk, cases):
    from guanxi.service.selectors import case_search

    assert case_search(user=org.admin, query="13812345678") == [cases.mine]  # the account's phone
    assert case_search(user=org.admin, query="138 1234 5678") == [cases.mine]
    assert case_search(user=org.admin, query="010-62345678") == [cases.theirs]
    assert case_search(user=desk.agent, query="010-62345678") == []  # not in the agent's queue or accounts
    assert case_search(user=org.admin, query="13900000000") == []


def test_case_list_search_box_takes_numbers_phones_and_words(org, desk, cases, client_for):
    client = client_for(desk.agent)
    number = cases.mine.number

    def found(query):
        html = client.get("/service/cases/", {"q": query}).content.decode()
        return number in html

    assert found(number) and found(number[:-2]) and found(str(int(number[-6:])))
    assert found("13812345678") and found("打印机") and found("张三科技")
    assert not found(cases.theirs.number) and not found("发票")


def test_migration_takes_account_names_out_of_case_search_text_and_back(org, desk, cases):
    import importlib
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    migration = importlib.import_module("guanxi.service.migrations.0013_case_search_text_without_account")
    editor = SimpleNamespace(connection=connection)
    migration.backwards(apps, editor)  # as cases were written before it
    assert "张三科技有限公司" in Case.objects.get(pk=cases.mine.pk).search_text
    migration.forwards(apps, editor)
    mine = Case.objects.get(pk=cases.mine.pk)
    assert mine.search_text == f"{cases.mine.number.lower()} 打印机无法联网"
    from guanxi.service.selectors import case_search

    assert case_search(user=org.admin, query="打印机") == [cases.mine]  # the search index followed (FTS5 on SQLite)
