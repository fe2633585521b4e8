"""The board report's permissions, for northstar/accounts/roles.py ROLE_PERMISSIONS.

Innovation Board members and officers read the reports (drafts and issued ones); officers (and
administrators, who hold every permission) issue them. The public sees none of it.
"""

REPORTS_VIEW = ["reports.view_report"]
REPORTS_ISSUE = [*REPORTS_VIEW, "reports.issue_report"]


def can_view(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_perm("reports.view_report"))


def can_issue(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_perm("reports.issue_report"))
