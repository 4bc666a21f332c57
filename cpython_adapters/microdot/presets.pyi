# Server settings sized to each supported board.
NAMES: tuple[str, ...]
# (board, one value per name in NAMES)
BOARDS: tuple[tuple[str | int, ...], ...]

def preset(board: str) -> dict[str, int]: ...
