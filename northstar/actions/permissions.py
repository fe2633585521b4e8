"""The action plan's permissions, for northstar/accounts/roles.py ROLE_PERMISSIONS.

Reading the plan needs only a sign-in (the public sees nothing). Officers manage the plan
(ACTIONS_MANAGE); an action's owner may post progress updates on that action without any
permission; officers may post on any action ("actions.add_progressupdate").
"""

ACTIONS_READ = [
    "actions.view_theme",
    "actions.view_workstream",
    "actions.view_action",
    "actions.view_milestone",
    "actions.view_progressupdate",
]
ACTIONS_MANAGE = [
    *ACTIONS_READ,
    "actions.add_action",
    "actions.change_action",
    "actions.add_milestone",
    "actions.change_milestone",
    "actions.add_progressupdate",
]
