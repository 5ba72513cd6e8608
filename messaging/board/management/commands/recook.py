import time

from django.core.management.base import BaseCommand

from common.text import PIPELINE_VERSION, recook
from messaging.board.models import Post, PostRevision, ProposedEdit
from messaging.bridge.models import BridgeCall, Outcome
from messaging.bulletins.models import Bulletin, Feedback

# Everything whose Markdown is stored with its HTML (common.text.cook_on_save): a model, and which of its texts.
BODY = {}
COOKED_TEXTS = ((Post, BODY), (PostRevision, BODY), (ProposedEdit, BODY), (Bulletin, BODY), (Feedback, BODY),
                (Feedback, Feedback.ANSWER_COOKING),
                (BridgeCall, {"source": "agenda", "html_field": "agenda_html", "version_field": "agenda_html_version"}),
                (Outcome, Outcome.COOKING))


class Command(BaseCommand):
    help = (
        "Render again the stored HTML of posts, their earlier versions, proposed edits, bulletins (incident "
        "updates too), members' replies and officers' answers, bridge call agendas, decisions and actions that an "
        "older version of the text pipeline made "
        "(body_html_version below common.text.PIPELINE_VERSION), in batches by primary key; run it after "
        "deploying a change that bumps PIPELINE_VERSION. Rows already current are left alone, unless --all. "
        "Safe to run while the portal is up (each batch locks only its own rows) and to run again after an "
        "interruption: it goes on from what is still outdated."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--all", action="store_true", dest="everything",
                            help="Render every row again, current or not.")
        parser.add_argument("--batch-size", type=int, default=1000, help="Rows per batch (default 1000).")

    def handle(self, *args, everything: bool, batch_size: int, **options) -> None:
        for model, text in COOKED_TEXTS:
            started = time.monotonic()
            count = recook(model._base_manager.all(), batch_size=batch_size, everything=everything, **text)
            self.stdout.write(f"{model._meta.label} {text.get('source', 'body')}: {count} rendered with pipeline "
                              f"version {PIPELINE_VERSION} in {time.monotonic() - started:.1f} s")
