"""The OpenAPI schema and docs, the groups `migrate` creates, and the one
command that gives an integration its token."""

import dataclasses
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from calls.groups import GROUP_PERMISSIONS
from campaigns.selectors import NotDialing, Progress


def test_the_schema_generates_without_a_warning(db):
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=StringIO())


def test_schema_and_docs_are_served(db):
    client = APIClient()

    schema = client.get("/api/schema/", {"format": "json"})
    docs = client.get("/api/docs/")

    assert schema.status_code == 200
    assert "/api/v1/calls/{id}/redirect/" in schema.json()["paths"]
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content


@pytest.mark.parametrize("name", GROUP_PERMISSIONS)
def test_migrate_leaves_each_group_with_its_permissions(db, name):
    granted = {
        f"{app_label}.{codename}"
        for app_label, codename in Group.objects.get(name=name).permissions.values_list(
            "content_type__app_label", "codename"
        )
    }

    assert granted == set(GROUP_PERMISSIONS[name])


def test_a_second_migrate_keeps_permissions_granted_by_hand(db):
    viewers = Group.objects.get(name="Viewers")
    viewers.permissions.add(*Group.objects.get(name="Supervisors").permissions.all())

    call_command("migrate", verbosity=0)

    assert viewers.permissions.filter(codename="control_call").exists()


class TestCreateApiUser:
    def test_prints_a_token_that_works_at_once(self, db):
        out = StringIO()

        call_command("create_api_user", "crm-sync", "--group", "Integrations", stdout=out)

        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {out.getvalue().strip()}")
        placed = client.post(
            "/api/v1/calls/",
            {"to": "+14155550123", "from": "+14155550100", "url": "https://a.example.com/"},
            format="json",
        )
        assert placed.status_code == 202

    def test_the_user_has_no_password_to_log_in_with(self, db, django_user_model):
        call_command("create_api_user", "dashboards", "--group", "Viewers", stdout=StringIO())

        user = django_user_model.objects.get(username="dashboards")
        assert not user.has_usable_password()
        assert not user.is_staff
        assert list(user.groups.values_list("name", flat=True)) == ["Viewers"]

    def test_an_existing_name_is_refused(self, db):
        call_command("create_api_user", "crm-sync", "--group", "Integrations", stdout=StringIO())

        with pytest.raises(CommandError, match="already exists"):
            call_command("create_api_user", "crm-sync", "--group", "Viewers", stdout=StringIO())

    def test_an_unknown_group_is_refused(self, db, django_user_model):
        with pytest.raises(CommandError, match="invalid choice"):
            call_command("create_api_user", "x", "--group", "Admins", stdout=StringIO())

        assert not django_user_model.objects.exists()


@pytest.mark.parametrize("answer", [Progress, NotDialing])
def test_a_selectors_answer_is_described_field_by_field_from_its_dataclass(db, answer):
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()
    component = schema["components"]["schemas"][answer.__name__]

    assert list(component["properties"]) == [field.name for field in dataclasses.fields(answer)]
    assert set(component["required"]) == set(component["properties"])


def test_the_progress_schema_tells_each_fields_type_nullability_and_meaning(db):
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()
    progress = schema["components"]["schemas"]["Progress"]["properties"]
    not_dialing = schema["components"]["schemas"]["NotDialing"]["properties"]

    assert progress["eta_seconds"] == {"type": "integer", "nullable": True}
    assert progress["outcomes"]["additionalProperties"] == {"type": "integer"}
    assert progress["dialable_now"]["description"] == "contacts that can be dialed now"
    assert progress["not_dialing"]["allOf"] == [{"$ref": "#/components/schemas/NotDialing"}]
    assert not_dialing["next_at"] == {"type": "string", "format": "date-time", "nullable": True}
