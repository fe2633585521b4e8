"""The programme permissions each role is to hold (to be added to accounts/roles.py
ROLE_PERMISSIONS; tests apply them with grant_role_permissions)."""

OFFICER = [
    "programmes.view_portfolio",
    "programmes.view_all_returns",
    "programmes.verify_claim",
    "programmes.view_monitoringreturn",
    "programmes.view_claim",
    "programmes.change_claim",
    "programmes.view_beneficiary",
    "programmes.view_programme",
    "programmes.change_programme",
]
PROGRAMME_MANAGER = [
    "programmes.add_monitoringreturn",
    "programmes.view_monitoringreturn",
]
BOARD_MEMBER = ["programmes.view_portfolio"]

BY_ROLE = {
    "officer": OFFICER,
    "programme_manager": PROGRAMME_MANAGER,
    "board_member": BOARD_MEMBER,
}
