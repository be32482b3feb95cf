"""Demo data: placeholder replaced below."""


def seed_supervision(*, size: int, stdout) -> None:
    raise NotImplementedError
