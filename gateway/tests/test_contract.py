"""The contract helper itself: a mock that drifts from the provider's document fails."""

import pytest

from platform_common.testing.contract import Contract, ContractViolation
from tests.conftest import NOTE, TOKENS


class TestContract:
    def test_documented_answer_accepted(self, notes_contract: Contract) -> None:
        notes_contract.validate("GET", "/notes/{note_id}", 200, NOTE)
        notes_contract.validate("GET", "/notes/{note_id}", 404, {"detail": "Note not found"})

    @pytest.mark.parametrize(
        "body",
        [
            {k: v for k, v in NOTE.items() if k != "title"},
            {**NOTE, "id": "1"},
            {**NOTE, "created_date": "yesterday"},
            [NOTE],
        ],
    )
    def test_drifted_body_refused(self, notes_contract: Contract, body: object) -> None:
        with pytest.raises(ContractViolation):
            notes_contract.validate("GET", "/notes/{note_id}", 200, body)

    def test_undocumented_status_or_path_refused(self, notes_contract: Contract) -> None:
        with pytest.raises(ContractViolation, match="never answers 418"):
            notes_contract.validate("GET", "/notes/{note_id}", 418, None)
        with pytest.raises(ContractViolation, match="not documented"):
            notes_contract.validate("GET", "/notes/{note_id}/share", 200, None)

    def test_auth_token_response(self, auth_contract: Contract) -> None:
        auth_contract.validate("POST", "/auth/token", 200, TOKENS)
        with pytest.raises(ContractViolation):
            auth_contract.validate("POST", "/auth/token", 200, {**TOKENS, "token_type": "mac"})
        with pytest.raises(ContractViolation):
            auth_contract.validate("POST", "/auth/token", 400, {"error": "invalid_grant"})
