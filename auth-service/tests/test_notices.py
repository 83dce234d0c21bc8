"""POST /internal/users/{user_id}/notices: a service (webhooks-service) mails
a user through the outbox, the address staying auth-service's."""

import uuid

import httpx

from auth_service.delivery.mail import SmtpConfig, SmtpMailer
from platform_common.testing.smtp import smtp_server
from tests.conftest import LEAK_REPORTER, NOTICES_CLIENT, Account, Mailbox
from tests.test_personal_tokens import service_token

NOTICE = {"subject": "Webhook endpoint disabled", "text": "https://hooks.example failed 5 days."}


def notices(user_id: str) -> str:
    return f"/internal/users/{user_id}/notices"


class TestNotices:
    async def test_queued_and_mailed_to_the_owner_over_smtp(
        self, client: httpx.AsyncClient, alice: Account, mailbox: Mailbox
    ) -> None:
        headers = await service_token(client, NOTICES_CLIENT)
        response = await client.post(notices(alice.id), json=NOTICE, headers=headers)
        assert response.status_code == 202, response.text
        with smtp_server() as server:
            mailbox.relay = SmtpMailer(SmtpConfig.from_url(server.url()), timeout=5)
            (sent,) = await mailbox.deliver()
            received = server.wait_for(lambda m: m["To"] == alice.email)
        assert sent["To"] == alice.email
        assert received["Subject"] == NOTICE["subject"]
        assert NOTICE["text"] in received.get_content()

    async def test_needs_the_scope(
        self, client: httpx.AsyncClient, alice: Account, mailbox: Mailbox
    ) -> None:
        other = await service_token(client, LEAK_REPORTER)
        assert (await client.post(notices(alice.id), json=NOTICE)).status_code == 401
        refused = await client.post(notices(alice.id), json=NOTICE, headers=other)
        assert refused.status_code == 403
        refused = await client.post(notices(alice.id), json=NOTICE, headers=alice.headers)
        assert refused.status_code == 403
        assert await mailbox.deliver() == []

    async def test_unknown_user_is_404(self, client: httpx.AsyncClient, mailbox: Mailbox) -> None:
        headers = await service_token(client, NOTICES_CLIENT)
        response = await client.post(notices(str(uuid.uuid4())), json=NOTICE, headers=headers)
        assert response.status_code == 404
        assert await mailbox.deliver() == []

    async def test_lengths_are_bounded(self, client: httpx.AsyncClient, alice: Account) -> None:
        headers = await service_token(client, NOTICES_CLIENT)
        for body in (
            {**NOTICE, "subject": "s" * 201},
            {**NOTICE, "subject": ""},
            {**NOTICE, "subject": "two\nlines"},
            {**NOTICE, "text": "t" * 4001},
        ):
            response = await client.post(notices(alice.id), json=body, headers=headers)
            assert response.status_code == 422, body
