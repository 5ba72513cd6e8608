"""Every e-mail the portal builds takes its subject from common.text.email_subject (one line whatever the text
holds), so a CR/LF in a title or a reason can't stop the message after the change it reports has committed.

Read from the source: a new send_mail or EmailMessage whose subject doesn't come from the helper fails here."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ["accounts", "audit", "common", "dashboard", "hub", "messaging", "sectors"]
SENDERS = {"send_mail", "send_mass_mail", "mail_admins", "mail_managers", "EmailMessage", "EmailMultiAlternatives"}


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _subject_of(call: ast.Call) -> ast.AST | None:
    for keyword in call.keywords:
        if keyword.arg == "subject":
            return keyword.value
    return call.args[0] if call.args else None


def _from_helper(node: ast.AST | None, assigned: dict[str, ast.AST]) -> bool:
    if isinstance(node, ast.Name) and node.id in assigned:
        node = assigned[node.id]
    return isinstance(node, ast.Call) and _name(node.func) == "email_subject"


def _mail_calls() -> list:
    """Each mail-sending call in the apps' code, with the assignments of the function around it."""
    found = {}
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(), filename=str(path))
            # ast.walk goes outwards-in, so the innermost function's assignments are the ones kept.
            for scope in [node for node in ast.walk(tree) if isinstance(node, ast.Module | ast.FunctionDef)]:
                assigned = {target.id: node.value for node in ast.walk(scope) if isinstance(node, ast.Assign)
                            for target in node.targets if isinstance(target, ast.Name)}
                for call in [node for node in ast.walk(scope) if isinstance(node, ast.Call)]:
                    if _name(call.func) in SENDERS:
                        where = f"{path.relative_to(ROOT)}:{call.lineno}"
                        found[where] = pytest.param(where, call, assigned, id=where)
    return list(found.values())


def test_the_portal_sends_mail_somewhere():
    assert len(_mail_calls()) >= 3  # board, sectors, bulletins at least


@pytest.mark.parametrize(("where", "call", "assigned"), _mail_calls())
def test_every_subject_comes_from_email_subject(where, call, assigned):
    assert _name(call.func) not in {"send_mass_mail", "mail_admins", "mail_managers"}, where
    assert _from_helper(_subject_of(call), assigned), f"{where}: use common.text.email_subject for the subject"
