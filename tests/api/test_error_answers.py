"""Every error the API answers is JSON a client can read, never an HTML page or a 500."""

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from calls.models import Call

pytestmark = pytest.mark.django_db


def test_deeply_nested_json_is_a_400_and_places_no_call(integration):
    response = integration.post("/api/v1/calls/", "[" * 100_000, content_type="application/json")

    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]
    assert not Call.objects.exists()


def test_a_body_over_the_limit_is_a_json_413_naming_the_limit(integration):
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    body = '{"to": "' + "1" * limit + '"}'

    response = integration.post("/api/v1/calls/", body, content_type="application/json")

    assert response.status_code == 413
    assert f"larger than {limit} bytes" in response.json()["detail"]
    assert not Call.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/calls/abc/",
        "/api/v1/calls/CA" + "0" * 32 + "/",
        "/api/v1/calls/abc/redirect/",
        "/api/v1/redirects/abc/",
        "/api/v1/campaigns/abc/",
        "/api/v1/queues/abc/",
        "/api/v1/no-such-thing/",
    ],
)
def test_every_api_404_is_json(integration, path):
    response = integration.get(path)

    assert response.status_code == 404
    assert response.json()["detail"]


@pytest.mark.parametrize("name, value", [("from", "%x"), ("to", "%d"), ("to", "100%(s)s")])
def test_a_filter_value_with_a_percent_sign_is_a_400_on_that_filter(integration, name, value):
    response = integration.get("/api/v1/calls/", {name: value})

    assert response.status_code == 400
    assert value in response.json()[name][0]


@pytest.mark.parametrize(
    "path", ["/api/v1/calls/", "/api/v1/calls/export/", "/api/v1/queue-entries/"]
)
def test_a_moment_with_any_offset_iso_8601_allows_filters_the_list(integration, path):
    """+16:00 is a valid ISO 8601 offset that PostgreSQL would refuse as it is."""
    name = "enqueued_before" if "queue-entries" in path else "created_before"
    response = integration.get(path, {name: "2000-01-01T00:00:00+16:00"})

    assert response.status_code == 200


class RefusingView(APIView):
    """Any view of the API whose service refuses as a model's `full_clean` does."""

    authentication_classes = []
    permission_classes = []
    refusal: DjangoValidationError | None = None

    def post(self, request):
        raise self.refusal


@pytest.mark.parametrize(
    "refusal, body",
    [
        (
            DjangoValidationError({"name": ["A queue with this name exists."]}),
            {"name": ["A queue with this name exists."]},
        ),
        (
            DjangoValidationError("Closed for the day."),
            {"non_field_errors": ["Closed for the day."]},
        ),
    ],
)
def test_a_models_refusal_is_a_400_on_the_field_it_names_in_any_view(refusal, body):
    view = RefusingView.as_view(refusal=refusal)

    response = view(APIRequestFactory().post("/api/v1/anything/", {}, format="json"))

    assert response.status_code == 400
    assert response.data == body
