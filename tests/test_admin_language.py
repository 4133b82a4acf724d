"""The admin has no language in its address, so it speaks the curator's browser language."""

from django.urls import reverse


def test_the_admin_follows_the_browser_language(admin_client):
    response = admin_client.get(
        reverse("admin:archive_publication_changelist"), headers={"accept-language": "zh-hans"}
    )

    assert response.status_code == 200
    assert '<html lang="zh-hans"' in response.content.decode()
    assert "Accept-Language" in response.headers["Vary"]


def test_the_admin_is_english_for_a_browser_asking_for_a_language_it_does_not_have(admin_client):
    response = admin_client.get(
        reverse("admin:archive_publication_changelist"), headers={"accept-language": "fr"}
    )

    assert '<html lang="en"' in response.content.decode()


def test_the_public_pages_still_take_their_language_from_the_address(client, db):
    response = client.get(reverse("archive:home"), headers={"accept-language": "zh-hans"})

    assert '<html lang="en"' in response.content.decode()
