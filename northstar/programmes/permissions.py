"""The programme permissions each role holds (accounts/roles.py ROLE_PERMISSIONS uses these lists).

Object-level rules stay in services.py: a programme manager's rights (returns, targets) hold only
for the programmes they manage (`ProgrammeManager`); officers' hold for every programme.
"""

# Officers edit programmes in the app: details and funders, strands, managers, any targets.
PROGRAMME_EDITING = [
    "programmes.add_programme",
    "programmes.change_programme",
    "programmes.add_strand",
    "programmes.change_strand",
    "programmes.delete_strand",
    "programmes.view_programmemanager",
    "programmes.add_programmemanager",
    "programmes.delete_programmemanager",
    "programmes.change_outputtarget",
    "programmes.set_any_targets",
]
# A programme manager sets the targets of the programmes they manage, and no others.
OWN_TARGETS = ["programmes.change_outputtarget"]

OFFICER = [
    "programmes.view_portfolio",
    "programmes.view_all_returns",
    "programmes.verify_claim",
    "programmes.view_monitoringreturn",
    "programmes.view_claim",
    "programmes.change_claim",
    "programmes.view_beneficiary",
    "programmes.view_programme",
    *PROGRAMME_EDITING,
]
PROGRAMME_MANAGER = [
    "programmes.add_monitoringreturn",
    "programmes.view_monitoringreturn",
    *OWN_TARGETS,
]
BOARD_MEMBER = ["programmes.view_portfolio"]
