"""Who may use search: whoever reads at least one forum or reads bulletins. What each of them finds is the
apps' own rules' business (search.selectors.readable)."""

from messaging.board.permissions import can_use_board
from messaging.bulletins.permissions import can_read_bulletins


def can_search(user) -> bool:
    return user.is_authenticated and (can_read_bulletins(user) or can_use_board(user))
