def seed_safeguarding(*, size: int, stdout) -> None:
    pass
